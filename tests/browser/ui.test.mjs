// Browser tests of the kaoping web UI: playwright-core driving Debian's chromium against a
// real `kaoping serve` on a temporary demo database (started by tests/cli/browser.sh, which
// passes KP_BASE, KP_LOGINS, KP_DB, KAOPING). Screenshots go to tests/browser/screenshots/.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { chromium } from '../../web/node_modules/playwright-core/index.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const SHOTS = path.join(HERE, 'screenshots')
const BASE = process.env.KP_BASE
const PERIOD = process.env.KP_PERIOD || '2021-B3'
const NEWPW = 'Neu-Kennwort-2026x'
fs.mkdirSync(SHOTS, { recursive: true })

// demo-logins.txt: "  name  password  display" lines
const logins = {}
for (const line of fs.readFileSync(process.env.KP_LOGINS, 'utf8').split('\n')) {
  const m = /^\s+(\S+)\s+(\S+)\s+(.+)$/.exec(line)
  if (m) logins[m[1]] = { pw: m[2], display: m[3].trim() }
}
const ROLE_USERS = { assessor: 'kpb', leader: 'leader', reporter: 'hengyang', provider: 'tongji',
  inspector: 'ducha', sysadmin: 'sysadmin', secadmin: 'secadmin', auditor: 'auditor' }

let browser
const ctx = {} // signed-in browser context per user
const cspErrors = []
let userDir

before(async () => {
  userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kp-chromium-'))
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    // launch() always starts chromium with a fresh, empty --user-data-dir of its own
    // (and refuses the flag); downloads go to our own temp folder
    downloadsPath: userDir,
  })
})
after(async () => {
  for (const c of Object.values(ctx)) await c.close().catch(() => {})
  await browser.close()
  fs.rmSync(userDir, { recursive: true, force: true })
})

async function newPage(c) {
  const page = await c.newPage()
  page.setDefaultTimeout(15000)
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text()) })
  page.on('pageerror', (e) => cspErrors.push('pageerror: ' + e.message))
  return page
}
async function shot(page, name) { await page.waitForTimeout(400); await page.screenshot({ path: path.join(SHOTS, name + '.png') }) }

// signs in through the UI; with expectForced, through the forced change of an initial password
async function signIn(user, pw, { expectForced = true } = {}) {
  const c = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', acceptDownloads: true })
  const page = await newPage(c)
  await page.goto(BASE + '/')
  await page.waitForURL(/\/login/)
  await page.locator(':is(input[data-test=username], [data-test=username] input)').fill(user)
  await page.locator(':is(input[data-test=password], [data-test=password] input)').fill(pw)
  await page.locator('[data-test=login-submit]').click()
  if (expectForced) {
    await page.waitForURL(/\/password/)
    await page.locator('[data-test=pw-forced]').waitFor()
    await page.locator(':is(input[data-test=pw-old], [data-test=pw-old] input)').fill(pw)
    await page.locator(':is(input[data-test=pw-new], [data-test=pw-new] input)').fill(NEWPW)
    await page.locator(':is(input[data-test=pw-confirm], [data-test=pw-confirm] input)').fill(NEWPW)
    await page.locator('[data-test=pw-submit]').click()
  }
  await page.waitForURL((u) => !/\/(login|password)/.test(u.pathname))
  await page.locator('[data-test=user-menu]').waitFor()
  ctx[user] = c
  return page
}

test('login page renders in Chinese and refuses a wrong password', async () => {
  const c = await browser.newContext({ viewport: { width: 1366, height: 768 } })
  const page = await newPage(c)
  await page.goto(BASE + '/review/' + PERIOD)
  await page.waitForURL(/\/login/)
  assert.match(await page.textContent('body'), /衡阳市高质量发展点评系统/)
  await shot(page, '01-login')
  await page.locator(':is(input[data-test=username], [data-test=username] input)').fill('kpb')
  await page.locator(':is(input[data-test=password], [data-test=password] input)').fill('wrong-Password-1')
  await page.locator('[data-test=login-submit]').click()
  await page.locator('[data-test=login-error]').waitFor()
  assert.match(await page.locator('[data-test=login-error]').textContent(), /用户名或密码错误/)
  await c.close()
})

test('every role signs in with its demo login and sees its home', async () => {
  for (const [role, user] of Object.entries(ROLE_USERS)) {
    assert.ok(logins[user], `demo login for ${user}`)
    const page = await signIn(user, logins[user].pw, { expectForced: false })
    const menu = await page.locator('[data-test=user-menu]').textContent()
    assert.match(menu, new RegExp(logins[user].display.replace(/[()]/g, '.')), `${role}: header shows the account`)
    const nav = await page.locator('.kp-menu').textContent()
    if (role === 'auditor') { assert.match(nav, /审计日志/); assert.doesNotMatch(nav, /点评排名/) }
    if (role === 'sysadmin') { assert.match(nav, /用户管理/); assert.doesNotMatch(nav, /审计日志/) }
    if (['assessor', 'leader', 'reporter'].includes(role)) assert.match(nav, /点评排名/)
    if (role === 'reporter') await page.locator('[data-test=home-myunit]').waitFor()
    if (['assessor', 'reporter', 'auditor', 'sysadmin'].includes(role)) await shot(page, `02-home-${role}`)
    await page.close()
  }
})

test('forced password change for an account made with `kaoping user add`', async () => {
  const init = 'Erst-Passwort-2026q'
  execFileSync(process.env.KAOPING, ['user', 'add', 'zhangsan', '--display', '张三', '--role', 'leader', '--password-stdin', '--db', process.env.KP_DB], { input: init + '\n' })
  const c = await browser.newContext({ viewport: { width: 1366, height: 768 } })
  const page = await newPage(c)
  await page.goto(BASE + '/login')
  await page.locator(':is(input[data-test=username], [data-test=username] input)').fill('zhangsan')
  await page.locator(':is(input[data-test=password], [data-test=password] input)').fill(init)
  await page.locator('[data-test=login-submit]').click()
  await page.waitForURL(/\/password/)
  await page.locator('[data-test=pw-forced]').waitFor()
  // other pages are not reachable before the change
  await page.goto(BASE + '/review/' + PERIOD)
  await page.waitForURL(/\/password/)
  await shot(page, '03-password-forced')
  // mismatch is caught in the page, a weak password by the server
  await page.locator(':is(input[data-test=pw-old], [data-test=pw-old] input)').fill(init)
  await page.locator(':is(input[data-test=pw-new], [data-test=pw-new] input)').fill('Abcdefgh-1234')
  await page.locator(':is(input[data-test=pw-confirm], [data-test=pw-confirm] input)').fill('Abcdefgh-12345')
  await page.locator('[data-test=pw-submit]').click()
  await page.locator('[data-test=pw-error]').waitFor()
  assert.match(await page.locator('[data-test=pw-error]').textContent(), /不一致/)
  await page.locator(':is(input[data-test=pw-new], [data-test=pw-new] input)').fill('short')
  await page.locator(':is(input[data-test=pw-confirm], [data-test=pw-confirm] input)').fill('short')
  await page.locator('[data-test=pw-submit]').click()
  await page.waitForFunction(() => !/不一致/.test(document.querySelector('[data-test=pw-error]')?.textContent || '不一致'))
  assert.ok((await page.locator('[data-test=pw-error]').textContent()).length > 3)
  await page.locator(':is(input[data-test=pw-new], [data-test=pw-new] input)').fill('Zhang-San-Neu-2026')
  await page.locator(':is(input[data-test=pw-confirm], [data-test=pw-confirm] input)').fill('Zhang-San-Neu-2026')
  await page.locator('[data-test=pw-submit]').click()
  await page.waitForURL(/\/review\//)
  await page.locator('[data-test=ranking-table]').waitFor()
  await c.close()
})

test('review page: group rankings with rank change arrows, grades, red and black lists', async () => {
  const page = await newPage(ctx.kpb)
  await page.goto(`${BASE}/review/${PERIOD}`)
  const table = page.locator('[data-test=ranking-table]')
  await table.locator('tbody tr').first().waitFor()
  const text = await table.textContent()
  assert.match(text, /[▲▼]/, 'rank change arrows')
  assert.match(text, /优秀|良好|一般|较差/, 'grades')
  assert.match(await page.locator('[data-test=red-list]').textContent(), /红榜/)
  assert.match(await page.locator('[data-test=black-list]').textContent(), /黑榜/)
  assert.match(await page.textContent('body'), /分/)
  await shot(page, '04-review')
  // another group, then a filter
  const tabs = page.locator('[data-test=group-tabs] label')
  await tabs.nth(1).click()
  await page.waitForTimeout(200)
  const n = await table.locator('tbody tr').count()
  assert.ok(n >= 3, 'rows in the second group')
  await page.locator(':is(input[data-test=review-search], [data-test=review-search] input)').fill('衡阳县')
  await page.waitForTimeout(200)
  assert.equal(await table.locator('tbody tr').count(), 1)
  await page.close()
})

test('English switch', async () => {
  const page = await newPage(ctx.kpb)
  await page.goto(`${BASE}/review/${PERIOD}`)
  await page.locator('[data-test=lang] label').nth(1).click()
  await page.waitForFunction(() => /Rankings/.test(document.querySelector('.kp-menu').textContent))
  await shot(page, '05-review-en')
  await page.locator('[data-test=lang] label').nth(0).click()
  await page.waitForFunction(() => /点评排名/.test(document.querySelector('.kp-menu').textContent))
  await page.close()
})

test('unit page: totals, indicators, shortfalls, trend and radar', async () => {
  const page = await newPage(ctx.kpb)
  await page.goto(`${BASE}/unit/${PERIOD}/430421`)
  await page.locator('[data-test=unit-total]').waitFor()
  assert.match(await page.locator('[data-test=unit-head]').textContent(), /衡阳县/)
  assert.match(await page.locator('[data-test=unit-total]').textContent(), /\d+\.\d\d\s*分/)
  const rows = page.locator('[data-test=indicator-table] tbody tr')
  await rows.first().waitFor()
  assert.ok((await rows.count()) >= 5)
  assert.match(await page.locator('[data-test=indicator-table]').textContent(), /%|亿元|个/)
  assert.match(await page.locator('[data-test=shortfalls]').textContent(), /分/)
  await page.locator('[data-test=trend-chart] canvas').waitFor()
  await page.locator('[data-test=radar-chart] canvas').waitFor()
  await shot(page, '06-unit')
  await page.close()
  // a reporter sees its own unit in full
  const p2 = await newPage(ctx.hengyang)
  await p2.goto(`${BASE}/unit/${PERIOD}/430421`)
  await p2.locator('[data-test=indicator-table] tbody tr').first().waitFor()
  await shot(p2, '07-unit-reporter')
  await p2.close()
})

test('map of the city coloured by score, parks listed', async () => {
  const page = await newPage(ctx.leader)
  await page.goto(`${BASE}/map/${PERIOD}`)
  await page.locator('[data-test=map-chart] canvas').first().waitFor()
  assert.match(await page.locator('[data-test=map-parks]').textContent(), /松木/)
  await page.waitForTimeout(800)
  await shot(page, '08-map')
  await page.close()
})

test('meeting mode: keyboard navigation and a follow-along URL', async () => {
  const page = await newPage(ctx.leader)
  await page.goto(`${BASE}/meeting/${PERIOD}`)
  const no = page.locator('[data-test=slide-no]')
  await page.waitForFunction(() => /^1 \/ ([2-9]|\d\d)/.test(document.querySelector('[data-test=slide-no]')?.textContent || ''))
  const total = Number((await no.textContent()).split('/')[1])
  assert.ok(total >= 16, 'cover + groups + lists + units')
  await shot(page, '09-meeting-cover')
  await page.keyboard.press('ArrowRight')
  await page.waitForFunction(() => document.querySelector('[data-test=slide-no]').textContent.startsWith('2 /'))
  assert.equal(await page.locator('[data-test=slide]').getAttribute('data-slide'), 'group')
  assert.match(page.url(), /\/meeting\/[^/]+\/2$/)
  await shot(page, '10-meeting-group')
  await page.keyboard.press('End')
  await page.waitForFunction((n) => document.querySelector('[data-test=slide-no]').textContent.startsWith(n + ' /'), total)
  assert.equal(await page.locator('[data-test=slide]').getAttribute('data-slide'), 'unit')
  await shot(page, '11-meeting-unit')
  await page.keyboard.press('ArrowLeft')
  await page.waitForFunction((n) => document.querySelector('[data-test=slide-no]').textContent.startsWith(n - 1 + ' /'), total)
  await page.keyboard.press('Home')
  await page.waitForFunction(() => document.querySelector('[data-test=slide-no]').textContent.startsWith('1 /'))
  // a county opens the URL of a slide and sees the same slide
  const p2 = await newPage(ctx.hengyang)
  await p2.goto(`${BASE}/meeting/${PERIOD}/5`)
  await p2.waitForFunction(() => document.querySelector('[data-test=slide-no]')?.textContent.startsWith('5 /'))
  assert.equal(await p2.locator('[data-test=slide]').getAttribute('data-slide'), 'lists')
  await p2.close()
  await page.keyboard.press('Escape')
  await page.waitForURL(/\/review\//)
  await page.close()
})

test('bulletin download', async () => {
  const page = await newPage(ctx.kpb)
  await page.goto(`${BASE}/review/${PERIOD}`)
  await page.locator('[data-test=ranking-table] tbody tr').first().waitFor()
  await page.locator('[data-test=bulletin]').click()
  const link = page.locator('[data-test=bulletin-zh]')
  await link.waitFor()
  const href = await link.getAttribute('href')
  assert.equal(href, `/bulletin/${PERIOD}.html?lang=zh`)
  const [popup] = await Promise.all([page.waitForEvent('popup'), link.click()])
  await popup.waitForLoadState()
  assert.match(await popup.textContent('body'), /点评|通报/)
  await shot(popup, '12-bulletin')
  const res = await ctx.kpb.request.get(BASE + href)
  assert.equal(res.status(), 200)
  assert.match(res.headers()['content-type'], /text\/html/)
  await popup.close()
  await page.close()
})

test('audit log: browse, filter, page and export', async () => {
  const page = await newPage(ctx.auditor)
  await page.goto(`${BASE}/audit`)
  const rows = page.locator('[data-test=audit-table] tbody tr')
  await rows.first().waitFor()
  assert.ok((await rows.count()) >= 5)
  await shot(page, '13-audit')
  await page.locator(':is(input[data-test=audit-actor], [data-test=audit-actor] input)').fill('kpb')
  await page.waitForTimeout(300)
  const actors = await page.locator('[data-test=audit-table] tbody tr td:nth-child(3)').allTextContents()
  assert.ok(actors.length > 0 && actors.every((a) => a.includes('kpb')), 'filter by actor')
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=audit-export]').click()])
  const file = await dl.path()
  const csv = fs.readFileSync(file, 'utf8')
  assert.match(csv, /^\ufeffid,at,actor/)
  assert.match(csv, /kpb/)
  const all = await ctx.auditor.request.get(BASE + (await page.locator('[data-test=audit-export-all]').getAttribute('href')))
  assert.equal(all.status(), 200)
  assert.match(await all.text(), /password\.change/)
  await page.close()
})

test('user administration: list and create an account', async () => {
  const page = await newPage(ctx.sysadmin)
  await page.goto(`${BASE}/users`)
  await page.locator('[data-test=users-table] tbody tr').first().waitFor()
  assert.match(await page.locator('[data-test=users-table]').textContent(), /hengyang/)
  await page.locator('[data-test=users-add]').click()
  await page.locator(':is(input[data-test=add-username], [data-test=add-username] input)').fill('lisi')
  await page.locator(':is(input[data-test=add-display], [data-test=add-display] input)').fill('李四')
  await page.locator('[data-test=add-submit]').click()
  await page.locator('[data-test=add-initial]').waitFor()
  await shot(page, '14-users')
  await page.close()
  // the security administrator grants a business role
  const sp = await newPage(ctx.secadmin)
  await sp.goto(`${BASE}/users`)
  const row = sp.locator('[data-test=users-table] tbody tr').filter({ hasText: 'lisi' })
  await row.waitFor()
  await row.getByRole('button', { name: '设置角色' }).click()
  await sp.locator('.el-dialog .el-checkbox').filter({ hasText: '领导' }).click()
  await sp.locator('.el-dialog .el-button--danger').filter({ hasText: '保存' }).click()
  await sp.waitForFunction(() => [...document.querySelectorAll('[data-test=users-table] tbody tr')].some((tr) => /lisi/.test(tr.textContent) && /领导/.test(tr.textContent)))
  await sp.close()
})

const OPEN = process.env.KP_OPEN_PERIOD || '2021-B4'
async function confirmBox(page) {
  const btn = page.locator('.el-message-box__btns .el-button--primary')
  await btn.waitFor()
  await btn.click()
  await btn.waitFor({ state: 'detached' }).catch(() => {})
}
const cell = (page, u, i) => page.locator(`:is(input[data-test=value-${u}-${i}], [data-test=value-${u}-${i}] input)`)

test('reporter: entry grid with unit of measure, target, last value; validation, draft, note, submit', async () => {
  const page = await newPage(ctx.hengyang)
  await page.goto(`${BASE}/entry/${OPEN}`)
  const table = page.locator('[data-test=entry-table]')
  await table.locator('tbody tr').first().waitFor()
  const text = await table.textContent()
  assert.match(text, /地区生产总值增速/)
  assert.match(text, /%/)
  await shot(page, '15-entry-reporter')
  // a value that is not a number is refused in the page
  await cell(page, '430421', 'E1').fill('abc')
  await page.locator('[data-test=cell-error]').first().waitFor()
  assert.match(await page.locator('[data-test=cell-error]').first().textContent(), /数字/)
  await page.locator('[data-test=entry-save]').click()
  await page.waitForTimeout(300)
  assert.equal(await page.locator('[data-test=state-430421-E1]').textContent(), '已提交')
  // a good value with a note becomes a draft
  await cell(page, '430421', 'E1').fill('12.1')
  await page.locator(':is(input[data-test=note-430421-E1], [data-test=note-430421-E1] input)').fill('统计快报数')
  await page.locator('[data-test=entry-save]').click()
  await page.waitForFunction(() => document.querySelector('[data-test=state-430421-E1]')?.textContent.includes('草稿'))
  await shot(page, '16-entry-draft')
  await page.locator('[data-test=entry-submit]').click()
  await confirmBox(page)
  await page.waitForFunction(() => document.querySelector('[data-test=state-430421-E1]')?.textContent.includes('已提交'))
  await page.close()
})

test('provider: its assigned indicators for every unit', async () => {
  // the assessor assigns E1 and E2 to the statistics bureau, the provider enters them
  const ap = await newPage(ctx.kpb)
  await ap.goto(`${BASE}/workflow/${OPEN}`)
  await ap.locator(':is(input[data-test=wf-prov-name], [data-test=wf-prov-name] input)').fill('tongji')
  await ap.locator('[data-test=wf-prov-load]').click()
  await ap.waitForFunction(() => !document.querySelector('[data-test=wf-prov-save]').disabled)
  await ap.locator('[data-test=wf-prov-indicators]').click()
  for (const code of ['E1', 'E2']) await ap.locator('.el-select-dropdown__item').filter({ hasText: new RegExp('^' + code + ' ') }).click()
  await ap.keyboard.press('Escape')
  await ap.locator('[data-test=wf-prov-save]').click()
  await ap.locator('.el-message--success').waitFor()
  const me = await (await ctx.kpb.request.get(BASE + '/api/me')).json()
  const got = await (await ctx.kpb.request.get(BASE + '/api/providers/tongji/indicators', { headers: { 'X-CSRF-Token': me.csrf_token } })).json()
  assert.deepEqual(got.indicators.slice().sort(), ['E1', 'E2'])
  await ap.close()
  const page = await newPage(ctx.tongji)
  await page.goto(`${BASE}/entry/${OPEN}`)
  const table = page.locator('[data-test=entry-table]')
  await table.locator('tbody tr').first().waitFor()
  const text = await table.textContent()
  assert.match(text, /珠晖区/)
  assert.match(text, /衡阳县/)
  assert.doesNotMatch(text, /E3/)
  await cell(page, '430405', 'E2').fill('13.3')
  await page.locator('[data-test=entry-save]').click()
  await page.waitForFunction(() => document.querySelector('[data-test=state-430405-E2]')?.textContent.includes('草稿'))
  await shot(page, '16b-entry-provider')
  await page.locator('[data-test=entry-submit]').click()
  await confirmBox(page)
  await page.waitForFunction(() => document.querySelector('[data-test=state-430405-E2]')?.textContent.includes('已提交'))
  await page.close()
})

test('upload with a bad row: the row report names file, line and column, nothing imported', async () => {
  const page = await newPage(ctx.hengyang)
  await page.goto(`${BASE}/entry/${OPEN}`)
  await page.locator('[data-test=entry-table] tbody tr').first().waitFor()
  const csv = 'unit,indicator,value,note\n430421,E3,14.6,ok\n430421,E4,abc,bad value\n'
  await page.setInputFiles('[data-test=upload-input]', { name: 'values.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
  const rep = page.locator('[data-test=upload-report]')
  await rep.waitFor()
  const text = await rep.textContent()
  assert.match(text, /values\.csv/)
  const cells = await rep.locator('tbody tr').first().locator('td').allTextContents()
  assert.deepEqual(cells.slice(0, 3).map((x) => x.trim()), ['values.csv', '3', '3'], 'file, line, column')
  assert.match(text, /abc/)
  await shot(page, '17-upload-report')
  // nothing imported: E3 is still submitted
  assert.equal(await page.locator('[data-test=state-430421-E3]').textContent(), '已提交')
  // a good file imports as drafts
  await page.setInputFiles('[data-test=upload-input]', { name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from('unit,indicator,value\n430421,E3,14.6\n') })
  await page.waitForFunction(() => document.querySelector('[data-test=state-430421-E3]')?.textContent.includes('草稿'))
  await page.locator('[data-test=entry-submit]').click()
  await confirmBox(page)
  await page.waitForFunction(() => document.querySelector('[data-test=state-430421-E3]')?.textContent.includes('已提交'))
  await page.close()
})

test('assessor: who has not submitted, return with a reason, the reporter sees it; verify', async () => {
  const page = await newPage(ctx.kpb)
  await page.goto(`${BASE}/workflow/${OPEN}`)
  await page.locator('[data-test=wf-table] tbody tr').first().waitFor()
  await shot(page, '18-workflow')
  // return one indicator from the unit's grid, with a reason
  await page.locator('[data-test=wf-view-430421]').click()
  const e1 = page.locator('[data-test=wf-grid] tbody tr').filter({ hasText: '固定资产投资增速' })
  await e1.waitFor()
  await shot(page, '18b-workflow-unit-grid')
  await e1.getByRole('button', { name: '退回' }).click()
  await page.locator('.el-message-box__input input').fill('E3 与统计快报不一致,请核实')
  await confirmBox(page)
  await page.waitForFunction(() => [...document.querySelectorAll('[data-test=wf-grid] tbody tr')].some((tr) => /固定资产投资增速/.test(tr.textContent) && /已退回/.test(tr.textContent)))
  const rp = await newPage(ctx.hengyang)
  await rp.goto(`${BASE}/entry/${OPEN}`)
  await rp.locator('[data-test=entry-table] tbody tr').first().waitFor()
  assert.equal(await rp.locator('[data-test=state-430421-E3]').textContent(), '已退回')
  assert.equal(await rp.locator('[data-test=state-430421-E5]').textContent(), '已提交', 'only E3 was returned')
  assert.match(await rp.locator('[data-test=entry-table]').textContent(), /与统计快报不一致/)
  await shot(rp, '19-entry-returned')
  // the unit fixes and submits again
  await cell(rp, '430421', 'E3').fill('14.2')
  await rp.locator('[data-test=entry-submit]').click()
  await confirmBox(rp)
  await rp.waitForFunction(() => document.querySelector('[data-test=state-430421-E3]')?.textContent.includes('已提交'))
  await rp.close()
  await page.reload()
  await page.locator('[data-test=wf-verify-430421]').click()
  await page.waitForTimeout(500)
  const v = await newPage(ctx.kpb)
  await v.goto(`${BASE}/workflow/${OPEN}`)
  await v.locator('[data-test=wf-view-430421]').click()
  await v.locator('[data-test=wf-grid] tbody tr').first().waitFor()
  assert.match(await v.locator('[data-test=wf-grid]').textContent(), /已审核/)
  await v.close()
  await page.close()
})

test('assessor: close, compute, publish; the new review is on screen', async () => {
  const page = await newPage(ctx.kpb)
  // a new period opens for the next round
  await page.goto(`${BASE}/workflow/${OPEN}`)
  await page.locator('[data-test=wf-new]').click()
  await page.locator(':is(input[data-test=wf-new-period], [data-test=wf-new-period] input)').fill('2021-B5')
  await page.locator('[data-test=wf-new-submit]').click()
  await page.waitForURL(/\/workflow\/2021-B5$/)
  await page.locator('[data-test=wf-table] tbody tr').first().waitFor()
  assert.match(await page.locator('[data-test=wf-state]').textContent(), /填报中/)
  await page.goto(`${BASE}/workflow/${OPEN}`)
  await page.locator('[data-test=wf-table] tbody tr').first().waitFor()
  await page.locator('[data-test=wf-close]').click()
  await confirmBox(page)
  await page.waitForFunction(() => document.querySelector('[data-test=wf-state]')?.textContent.includes('已截止'))
  await page.locator('[data-test=wf-compute]').click()
  await confirmBox(page)
  await page.locator('[data-test=wf-result]').waitFor()
  assert.match(await page.locator('[data-test=wf-result]').textContent(), /已计算/)
  await page.locator('[data-test=wf-publish]').click()
  await confirmBox(page)
  await page.waitForFunction(() => document.querySelector('[data-test=wf-state]')?.textContent.includes('已发布'))
  await shot(page, '20-workflow-published')
  await page.goto(`${BASE}/review/${OPEN}`)
  await page.locator('[data-test=ranking-table] tbody tr').first().waitFor()
  assert.doesNotMatch(await page.textContent('body'), /未发布/)
  await page.close()
})

test("leaders' comments: a leader writes, the unit reads", async () => {
  const page = await newPage(ctx.leader)
  await page.goto(`${BASE}/unit/${PERIOD}/430421`)
  await page.locator(':is(textarea[data-test=comment-text], [data-test=comment-text] textarea)').fill('项目投资进度偏慢,下期须赶上时序进度。')
  await page.locator('[data-test=comment-add]').click()
  await page.locator('[data-test=comment]').first().waitFor()
  assert.match(await page.locator('[data-test=comments]').textContent(), /项目投资进度偏慢/)
  await shot(page, '21-comments')
  await page.close()
  const rp = await newPage(ctx.hengyang)
  await rp.goto(`${BASE}/unit/${PERIOD}/430421`)
  await rp.locator('[data-test=comment]').first().waitFor()
  assert.match(await rp.locator('[data-test=comments]').textContent(), /项目投资进度偏慢/)
  assert.equal(await rp.locator('[data-test=comment-add]').count(), 0)
  await rp.close()
})

test('bulletin PDF, XLSX and CSV downloads', async () => {
  const page = await newPage(ctx.kpb)
  await page.goto(`${BASE}/review/${PERIOD}`)
  await page.locator('[data-test=ranking-table] tbody tr').first().waitFor()
  await page.locator('[data-test=bulletin]').click()
  const link = page.locator('[data-test=bulletin-pdf]')
  await link.waitFor()
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()])
  const buf = fs.readFileSync(await dl.path())
  assert.equal(buf.subarray(0, 4).toString(), '%PDF')
  for (const f of ['xlsx', 'csv']) {
    const res = await ctx.kpb.request.get(`${BASE}/api/reviews/${PERIOD}/bulletin.${f}`)
    assert.equal(res.status(), 200, f)
  }
  await page.close()
})

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as authenticator apps compute it
function totp(secretB32, step = Math.floor(Date.now() / 30000)) {
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const ch of secretB32.replace(/[=\s]/g, '').toUpperCase()) bits += alpha.indexOf(ch).toString(2).padStart(5, '0')
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)))
  const msg = Buffer.alloc(8)
  msg.writeBigUInt64BE(BigInt(step))
  const h = crypto.createHmac('sha1', key).update(msg).digest()
  const o = h[h.length - 1] & 15
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0')
}

test('two-factor sign-in: enrol TOTP, then sign in with a code', async () => {
  const page = await newPage(ctx.auditor)
  await page.goto(`${BASE}/totp`)
  await page.locator('[data-test=totp-start]').click()
  const secret = (await page.locator('[data-test=totp-secret]').textContent()).trim()
  assert.match(secret, /^[A-Z2-7=]{16,}$/)
  await page.locator(':is(input[data-test=totp-confirm-code], [data-test=totp-confirm-code] input)').fill(totp(secret))
  await page.locator('[data-test=totp-confirm]').click()
  await page.locator('[data-test=totp-done]').waitFor()
  await shot(page, '22-totp-enrol')
  await page.close()
  const c = await browser.newContext({ viewport: { width: 1366, height: 768 } })
  const p2 = await newPage(c)
  await p2.goto(BASE + '/login')
  await p2.locator(':is(input[data-test=username], [data-test=username] input)').fill('auditor')
  await p2.locator(':is(input[data-test=password], [data-test=password] input)').fill(logins.auditor.pw)
  await p2.locator('[data-test=login-submit]').click()
  const codeInput = p2.locator(':is(input[data-test=totp-code], [data-test=totp-code] input)')
  await codeInput.waitFor()
  await shot(p2, '23-totp-login')
  // a code works once: wait for the next 30-second step after the one used to confirm
  const used = Math.floor(Date.now() / 30000)
  while (Math.floor(Date.now() / 30000) === used) await p2.waitForTimeout(500)
  await codeInput.fill(totp(secret))
  await p2.locator('[data-test=totp-submit]').click()
  await p2.waitForURL((u) => !/\/login/.test(u.pathname))
  await p2.locator('[data-test=user-menu]').waitFor()
  await c.close()
})

test('no script blocked by the Content-Security-Policy', () => {
  const scripts = cspErrors.filter((e) => /script/i.test(e) || /pageerror/.test(e))
  assert.deepEqual(scripts, [])
  if (cspErrors.length) console.log('# CSP reports (styles):', cspErrors.length, cspErrors[0])
})

// ---- supervision (云督查): an inspector records a finding, the unit's reporter submits its
// rectification, the inspector returns it, then approves and verifies it -----------------------
async function supAct(page, action, note) {
  await page.locator(`[data-test=act-${action}]`).click()
  const dlg = page.locator('[data-test=act-dialog]')
  await dlg.waitFor()
  if (note) await page.locator(':is(textarea[data-test=act-note], [data-test=act-note] textarea)').fill(note)
  await page.locator('[data-test=act-submit]').click()
  await dlg.waitFor({ state: 'hidden' })
}
const supState = (page, label) => page.locator('[data-test=finding-state]', { hasText: label }).waitFor()

test('supervision: finding recorded, rectification submitted, returned, then verified', async () => {
  const ins = await newPage(ctx[ROLE_USERS.inspector])
  await ins.goto(`${BASE}/findings`)
  await ins.locator('[data-test=findings-table]').waitFor()
  await ins.locator('[data-test=finding-new]').click()
  await ins.locator('[data-test=finding-dialog]').waitFor()
  await ins.locator('[data-test=nf-unit]').click()
  await ins.locator('.el-select-dropdown__item:visible', { hasText: '衡阳县 430421' }).click()
  await ins.locator(':is(textarea[data-test=nf-text], [data-test=nf-text] textarea)').fill('浏览器测试：县行政服务中心窗口无人值守')
  await shot(ins, '30-finding-new')
  await ins.locator('[data-test=nf-submit]').click()
  await ins.waitForURL(/\/findings\/\d+$/)
  const url = ins.url()
  await supState(ins, '已立项')
  await supAct(ins, 'assign')
  await supState(ins, '已交办')
  assert.match(await ins.locator('[data-test=finding-due]').textContent(), /^\d{4}-\d{2}-\d{2}$/)

  const rep = await newPage(ctx[ROLE_USERS.reporter])
  await rep.goto(url)
  await supState(rep, '已交办')
  assert.equal(await rep.locator('[data-test=act-assign]').count(), 0) // not the unit's to do
  await supAct(rep, 'sign')
  await supState(rep, '办理中')
  await supAct(rep, 'request_close', '已安排专人值守并建立巡查制度')
  await supState(rep, '申请办结')
  await shot(rep, '31-finding-unit-request')

  await ins.reload()
  await supState(ins, '申请办结')
  await supAct(ins, 'return', '缺少制度文件和巡查记录，请补充')
  await supState(ins, '办理中')
  assert.equal((await ins.locator('[data-test=finding-returns]').textContent()).trim(), '1')
  assert.match(await ins.locator('[data-test=finding-timeline]').textContent(), /缺少制度文件和巡查记录/)

  await rep.reload()
  await supState(rep, '办理中')
  assert.match(await rep.locator('[data-test=finding-timeline]').textContent(), /驳回/)
  await supAct(rep, 'request_close', '已补充制度文件和两周巡查记录')
  await supState(rep, '申请办结')

  await ins.reload()
  await supAct(ins, 'approve')
  await supState(ins, '已办结')
  await supAct(ins, 'verify', '现场复查：窗口有人值守')
  await supState(ins, '验收销号')
  const tl = await ins.locator('[data-test=finding-timeline]').textContent()
  for (const a of ['立项', '交办', '签收', '申请办结', '驳回', '审核通过', '验收销号']) assert.match(tl, new RegExp(a))
  await shot(ins, '32-finding-verified')

  // the list: the new finding is there with its light; the reporter sees its unit only
  await ins.goto(`${BASE}/findings`)
  await ins.locator('[data-test=findings-table] .el-table__row').first().waitFor()
  await shot(ins, '33-findings-list')
  await rep.goto(`${BASE}/findings`)
  await rep.locator('[data-test=findings-table] .el-table__row').first().waitFor()
  const units = await rep.locator('[data-test=findings-table] .el-table__row td:nth-child(3)').allTextContents()
  assert.ok(units.length > 0 && units.every((u) => u.trim() === '衡阳县'), units.join(','))
  await rep.goto(`${BASE}/tasks`)
  await rep.locator('[data-test=tasks-table] .el-table__row').first().waitFor()
  await shot(rep, '34-tasks')
  await ins.close()
  await rep.close()
})

test("projects: progress against the annual plan, lagging flag and the live site link", async () => {
  const page = await newPage(ctx[ROLE_USERS.leader])
  await page.goto(`${BASE}/projects`)
  await page.locator('[data-test=projects-table] .el-table__row').first().waitFor()
  // demo: HY2021-001 has 7 of 12 亿元 by 2021-B4 (58.3 %), none reported since: behind time
  // progress in whichever period the page opens on (the latest: 2021-B4 or B5)
  await page.locator('[data-test=lagging-HY2021-001]').waitFor()
  const text = await page.locator('[data-test=projects-table]').textContent()
  assert.match(text, /年产5万吨锂电池正极材料项目/)
  assert.match(text, /7\.00 亿元/)
  assert.match(await page.locator('[data-test=project-units]').textContent(), /58\.33%/)
  await page.locator('[data-test=site-HY2021-001]').click()
  await page.locator('[data-test=site-dialog]').waitFor()
  assert.equal((await page.locator('[data-test=site-url]').textContent()).trim(), 'https://live.example.cn/hengyang/HY2021-001')
  await shot(page, '35-projects')
  await page.close()
  const rep = await newPage(ctx[ROLE_USERS.reporter])
  await rep.goto(`${BASE}/projects`)
  await rep.locator('[data-test=projects-table] .el-table__row').first().waitFor()
  assert.equal(await rep.locator('[data-test=projects-table] .el-table__row').count(), 1) // its own unit's only
  await rep.close()
})

test('supervision map: findings by light and project sites on the city map', async () => {
  const page = await newPage(ctx[ROLE_USERS.inspector])
  await page.goto(`${BASE}/supmap`)
  await page.locator('[data-test=smap-chart] canvas').first().waitFor()
  // demo: one finding has coordinates (衡阳县应急管理局), the four projects have sites (the
  // projects arrive after the findings: wait for them)
  await page.waitForFunction(() => /个项目现场/.test(document.querySelector('.kp-page-head small')?.textContent || '') &&
    !/ 0 个项目现场/.test(document.querySelector('.kp-page-head small').textContent))
  assert.match(await page.locator('.kp-page-head small').textContent(), /1 个问题点位, 4 个项目现场/)
  await shot(page, '36-supervision-map')
  await page.close()
})
