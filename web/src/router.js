import { createRouter, createWebHistory } from 'vue-router'
import { session, loadMe, mustChange, mustEnrol, can, setAuthLostHandler, clearCache } from './api.js'

const routes = [
  { path: '/login', name: 'login', component: () => import('./views/Login.vue'), meta: { bare: true, public: true } },
  { path: '/password', name: 'password', component: () => import('./views/Password.vue'), meta: { bare: true, changeOk: true } },
  { path: '/', name: 'home', component: () => import('./views/Home.vue') },
  { path: '/periods', name: 'periods', component: () => import('./views/Periods.vue'), meta: { cap: 'period_read' } },
  { path: '/review/:period?', name: 'review', component: () => import('./views/Review.vue'), meta: { cap: 'review_read' } },
  { path: '/unit/:period?/:code?', name: 'unit', component: () => import('./views/Unit.vue'), meta: { cap: 'review_read' } },
  { path: '/map/:period?', name: 'map', component: () => import('./views/MapView.vue'), meta: { cap: 'review_read' } },
  { path: '/meeting/:period?/:slide?', name: 'meeting', component: () => import('./views/Meeting.vue'), meta: { cap: 'review_read', bare: true } },
  { path: '/entry/:period?', name: 'entry', component: () => import('./views/Entry.vue'), meta: { capAny: ['data_own_unit', 'data_department'] } },
  { path: '/workflow/:period?', name: 'workflow', component: () => import('./views/Workflow.vue'), meta: { cap: 'review_draft' } },
  { path: '/totp', name: 'totp', component: () => import('./views/Totp.vue') },
  { path: '/totp/enrol', name: 'totp-enrol', component: () => import('./views/Totp.vue'), meta: { bare: true, changeOk: true, enrolOk: true } },
  { path: '/audit', name: 'audit', component: () => import('./views/Audit.vue'), meta: { cap: 'audit_read' } },
  { path: '/users', name: 'users', component: () => import('./views/Users.vue'), meta: { cap: 'user_read' } },
  { path: '/wish', name: 'wish', component: () => import('./views/PublicWish.vue'), meta: { bare: true, public: true } },
  { path: '/redmap', name: 'redmap', component: () => import('./views/RedMap.vue'), meta: { bare: true, public: true } },
  { path: '/notice', name: 'notice', component: () => import('./views/PublicFindings.vue'), meta: { bare: true, public: true } },
  { path: '/honours', name: 'honours', component: () => import('./views/Honours.vue'), meta: { bare: true, public: true } },
  { path: '/wishes/:id?', name: 'wishes', component: () => import('./views/Wishes.vue'), meta: { capAny: ['all_units', 'data_own_unit'] } },
  { path: '/admin/places', name: 'places-admin', component: () => import('./views/PlacesAdmin.vue'), meta: { cap: 'unit_manage' } },
  { path: '/admin/honours', name: 'honours-admin', component: () => import('./views/HonoursAdmin.vue'), meta: { cap: 'unit_manage' } },
  { path: '/contacts', name: 'contacts', component: () => import('./views/Contacts.vue'), meta: { cap: 'comment' } },
  { path: '/findings', name: 'findings', component: () => import('./views/Findings.vue'), meta: { capAny: ['inspect', 'comment', 'review_draft', 'data_own_unit'] } },
  { path: '/findings/:id', name: 'finding', component: () => import('./views/Finding.vue'), meta: { capAny: ['inspect', 'comment', 'review_draft', 'data_own_unit'] } },
  { path: '/supmap', name: 'supmap', component: () => import('./views/SupMap.vue'), meta: { cap: 'period_read' } },
  { path: '/projects', name: 'projects', component: () => import('./views/Projects.vue'), meta: { cap: 'period_read' } },
  { path: '/tasks', name: 'tasks', component: () => import('./views/Tasks.vue'), meta: { capAny: ['inspect', 'comment', 'review_draft', 'data_own_unit'] } },
  { path: '/calendar', name: 'calendar', component: () => import('./views/Calendar.vue'), meta: { cap: 'inspect' } },
  { path: '/feeds', name: 'feeds', component: () => import('./views/Feeds.vue'), meta: { cap: 'review_draft' } },
  { path: '/crosscheck', name: 'crosscheck', component: () => import('./views/Crosscheck.vue'), meta: { cap: 'review_draft' } },
  { path: '/:rest(.*)*', redirect: '/' },
]

export function setNext(p) { if (p && p !== '/login' && p !== '/password' && p !== '/totp/enrol') sessionStorage.setItem('kp.next', p) }
export function takeNext() { const p = sessionStorage.getItem('kp.next'); sessionStorage.removeItem('kp.next'); return p && p.startsWith('/') ? p : '/' }

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  if (!session.loaded) await loadMe()
  if (to.meta.public) return true
  // no query strings: the server refuses unknown query parameters on page URLs
  if (!session.me) { setNext(to.fullPath); return { name: 'login' } }
  if (mustChange() && !to.meta.changeOk) { setNext(to.fullPath); return { name: 'password' } }
  if (!mustChange() && mustEnrol() && !to.meta.enrolOk) { setNext(to.fullPath); return { name: 'totp-enrol' } }
  if (to.meta.cap && !can(to.meta.cap)) return { name: 'home' }
  if (to.meta.capAny && !to.meta.capAny.some(can)) return { name: 'home' }
  return true
})

setAuthLostHandler(async (err) => {
  const here = router.currentRoute.value
  if (err.status === 401) {
    session.me = null
    clearCache()
    if (!here.meta.public) { setNext(here.fullPath); sessionStorage.setItem('kp.expired', '1'); router.replace({ name: 'login' }) }
  } else {
    await loadMe()
    setNext(here.fullPath)
    router.replace({ name: !mustChange() && mustEnrol() ? 'totp-enrol' : 'password' })
  }
})
