// What a resident reads: money from integer fen, times in Asia/Shanghai, status words in Chinese.

// 480000 → "4,800元", 123456 → "1,234.56元"; null → "" (amount unknown).
function yuan(fen) {
  if (fen === null || fen === undefined || fen === '' || isNaN(Number(fen))) return ''
  const value = Math.round(Number(fen))
  const sign = value < 0 ? '-' : ''
  const abs = Math.abs(value)
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const cents = abs % 100
  return `${sign}${whole}${cents ? `.${String(cents).padStart(2, '0')}` : ''}元`
}

// An ISO time (UTC when it has no offset) → "2026-11-27 16:05" in Asia/Shanghai (UTC+8, no DST).
function shanghaiTime(iso, withTime = true) {
  if (!iso) return ''
  if (/^\d{4}-\d\d-\d\d$/.test(iso)) return iso // a date is already a local date
  const ms = Date.parse(/([zZ]|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`)
  if (isNaN(ms)) return String(iso)
  const d = new Date(ms + 8 * 3600 * 1000)
  const pad = (n) => String(n).padStart(2, '0')
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  return withTime ? `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` : day
}

// The end of a time limit (midnight after its last day, as the API gives due_at) → that last
// day, "2026-12-24" for "2026-12-25T00:00:00+08:00".
function lastDayBefore(iso) {
  if (!iso) return ''
  const ms = Date.parse(iso)
  if (isNaN(ms)) return ''
  return shanghaiTime(new Date(ms - 1).toISOString(), false)
}

const MODE_LABELS = { auto_grant: '免申即享', one_tap: '一键办理', guide: '办事指引' }
const SUBJECT_TYPE_LABELS = { person: '个人', enterprise: '企业' }
const MATCH_LABELS = { eligible: '符合条件', unknown: '待补充信息', ineligible: '暂不符合' }
const CLAIM_LABELS = {
  submitted: '已提交',
  reviewing: '审核中',
  returned: '退回补正',
  approved: '已通过',
  paid: '已兑现',
  rejected: '未通过',
  withdrawn: '已撤回',
}
const PERIOD_SUFFIX = { once: '', monthly: '/月', yearly: '/年' }
const GRANT_LABELS = { granted: '待确认', confirmed: '已确认', declined: '已放弃', paid: '已兑现' }

function label(table, value) {
  if (value === null || value === undefined) return ''
  return value in table ? table[value] : value
}

module.exports = {
  yuan,
  shanghaiTime,
  lastDayBefore,
  label,
  MODE_LABELS,
  SUBJECT_TYPE_LABELS,
  MATCH_LABELS,
  CLAIM_LABELS,
  GRANT_LABELS,
  PERIOD_SUFFIX,
}
