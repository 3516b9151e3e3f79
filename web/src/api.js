// Thin client for the kaoping JSON API (src/http/router.c). The session is an HttpOnly
// cookie; every state-changing request carries the CSRF token from /api/me or /api/login.
import { reactive } from 'vue'

export const session = reactive({ me: null, csrf: '', loaded: false })

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`)
    this.status = status
    this.code = body && body.code
    this.field = body && body.field
    this.body = body
  }
}

let onAuthLost = () => {}
export function setAuthLostHandler(fn) { onAuthLost = fn }

export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json' }
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = session.csrf || ''
  let payload
  if (body instanceof FormData) payload = body
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' })
  let data = null
  const type = res.headers.get('Content-Type') || ''
  if (type.includes('json')) data = await res.json().catch(() => null)
  else if (opts.text) data = await res.text()
  if (data && typeof data === 'object' && data.csrf_token) session.csrf = data.csrf_token
  if (!res.ok) {
    const err = new ApiError(res.status, data)
    if (res.status === 401 && !opts.quiet) onAuthLost(err)
    // 2006: password expired / must change first
    if (res.status === 403 && data && data.code === 2006 && !opts.quiet) onAuthLost(err)
    throw err
  }
  return data
}

export const get = (p, o) => api('GET', p, undefined, o)
export const post = (p, b, o) => api('POST', p, b, o)
export const put = (p, b, o) => api('PUT', p, b, o)

export async function loadMe() {
  try {
    session.me = await get('/api/me', { quiet: true })
  } catch (e) {
    session.me = null
  }
  session.loaded = true
  return session.me
}

export function can(cap) {
  return !!(session.me && session.me.capabilities && session.me.capabilities.includes(cap))
}
export function hasRole(role) {
  return !!(session.me && session.me.roles && session.me.roles.includes(role))
}
export function mustChange() {
  const m = session.me
  return !!(m && (m.must_change_password || m.password_expired))
}
// an administrative or assessor account without a second factor (totp_enforce): it may only
// enrol one (after a forced password change, which comes first)
export function mustEnrol() {
  const m = session.me
  return !!(m && m.totp_enrol_required)
}

// Reviews are cached per period for the session (they are immutable once published;
// drafts are refetched on demand).
const reviewCache = new Map()
export async function getReview(period, { fresh = false } = {}) {
  if (!fresh && reviewCache.has(period)) return reviewCache.get(period)
  const r = await get(`/api/reviews/${encodeURIComponent(period)}`)
  reviewCache.set(period, r)
  return r
}
export function clearCache() { reviewCache.clear(); periodsCache = null }

let periodsCache = null
export async function getPeriods({ fresh = false } = {}) {
  if (!fresh && periodsCache) return periodsCache
  const r = await get('/api/periods')
  periodsCache = r.periods || []
  return periodsCache
}
// the latest period with a review this account may read
export async function latestPeriod() {
  const ps = await getPeriods()
  const withReview = ps.filter((p) => p.review_published || p.review_computed)
  const pub = ps.filter((p) => p.review_published)
  const pick = (pub.length ? pub : withReview).slice(-1)[0]
  return pick ? pick.code : ps.length ? ps[ps.length - 1].code : null
}
