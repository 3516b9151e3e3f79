// Number formatting: every number shows its unit (分, %, 名 …).
export function num(x, d = 2) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—'
  return Number(x).toLocaleString('zh-CN', { minimumFractionDigits: d, maximumFractionDigits: d })
}
export function score(x, t) { return x === null || x === undefined ? '—' : `${num(x, 2)} ${t('u.points')}` }
export function pct(share, d = 1) {
  if (share === null || share === undefined) return '—'
  return `${num(share * 100, d)}%`
}
export function withUnit(x, unit, d) {
  if (x === null || x === undefined) return '—'
  const digits = d !== undefined ? d : Math.abs(x) >= 1000 ? 0 : Number.isInteger(x) ? 0 : 2
  const u = unit || ''
  if (u === '%') return `${num(x, digits)}%`
  return u ? `${num(x, digits)} ${u}` : num(x, digits)
}
export function signed(x, d = 2) {
  if (x === null || x === undefined) return '—'
  const s = num(Math.abs(x), d)
  return x > 0 ? `+${s}` : x < 0 ? `−${s}` : s
}
export function periodLabel(code, t) {
  // 2021-B3 → 2021年第3期(5–6月) / 2021 period B3 (May–Jun)
  const m = /^(\d{4})-B([1-6])$/.exec(code || '')
  if (!m) return code || ''
  const b = Number(m[2])
  return t('period.bimonthly', { y: m[1], n: b, from: 2 * b - 1, to: 2 * b })
}
export function csvCell(v) {
  let s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
  // neutralise cells that a spreadsheet would run as formulas
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s
  if (/[",\n\r]/.test(s)) s = '"' + s.replace(/"/g, '""') + '"'
  return s
}
export function downloadCsv(name, rows) {
  const text = '\ufeff' + rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n'
  const blob = new Blob([text], { type: 'text/csv;charset=utf-8' })
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = name
  document.body.appendChild(a)
  a.click()
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove() }, 1000)
}
