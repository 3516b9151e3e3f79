// Shared loading of a period's review for the review, unit, map and meeting screens.
import { ref, computed, watch } from 'vue'
import { getReview, getPeriods, latestPeriod } from './api.js'

export function useReview(periodRef) {
  const periods = ref([])
  const data = ref(null)
  const error = ref('')
  const loading = ref(false)
  const review = computed(() => (data.value ? data.value.review : null))
  const units = computed(() => {
    const m = new Map()
    if (review.value) for (const u of review.value.units || []) m.set(u.code, u)
    return m
  })
  const indicators = computed(() => {
    const m = new Map()
    if (review.value) for (const i of review.value.indicators || []) m.set(i.code, i)
    return m
  })
  const categories = computed(() => {
    const m = new Map()
    if (review.value) for (const c of review.value.categories || []) m.set(c.code, c)
    return m
  })
  async function load() {
    loading.value = true
    error.value = ''
    try {
      periods.value = await getPeriods()
      if (!periodRef.value) periodRef.value = await latestPeriod()
      if (periodRef.value) data.value = await getReview(periodRef.value)
    } catch (e) {
      data.value = null
      error.value = e.message
    } finally {
      loading.value = false
    }
  }
  watch(periodRef, (p, old) => { if (p && p !== old) load() })
  const reviewPeriods = computed(() => periods.value.filter((p) => p.review_published || p.review_computed))
  return { periods, reviewPeriods, data, review, units, indicators, categories, error, loading, load }
}

export function unitName(units, code) {
  const u = units.get(code)
  return u ? u.name : code
}
