// An item's cases as forms and back: a case is a name, a date (empty: today), the facts of an
// example subject (one row each, typed by the catalog) and what the rule must say of it — the
// verdict, the amount in 元, the facts it must find missing, words its explanation must hold.
// formToCase(caseToForm(c)) gives back c unchanged (Vitest: every demo item's cases).
import { toFen, toYuanText } from './money.js'

export const VERDICTS = [
  { value: 'eligible', label: '符合' },
  { value: 'unknown', label: '待补充信息' },
  { value: 'ineligible', label: '不符合' },
]
const VERDICT_NAMES = Object.fromEntries(VERDICTS.map((v) => [v.value, v.label]))
const AMOUNTS = ['amount_fen', 'annual_fen']

let made = 0
const rowId = () => `fact-${++made}`

// An expected amount: not checked (''), no money at all (none), or so many 元.
function amountForm(expect, key) {
  if (!(key in expect)) return { yuan: '', none: false }
  if (expect[key] === null) return { yuan: '', none: true }
  return { yuan: toYuanText(expect[key]), none: false }
}

export function caseToForm(item = {}) {
  const expect = item.expect || {}
  const summary = expect.summary_contains
  const form = {
    name: item.name || '',
    asOf: item.as_of || '',
    facts: Object.entries(item.facts || {}).map(([fact, value]) => ({ id: rowId(), fact, value })),
    verdict: expect.verdict || '',
    missing: expect.missing ? [...expect.missing] : null,
    summary: summary === undefined ? [] : [summary].flat(),
    summaryShape: typeof summary === 'string' ? 'text' : 'list',
    extra: Object.fromEntries(Object.entries(item).filter(([key]) => !['name', 'as_of', 'facts', 'expect'].includes(key))),
  }
  for (const key of AMOUNTS) form[key] = amountForm(expect, key)
  return form
}

export function newCase(name = '') {
  return caseToForm({ name, facts: {}, expect: { verdict: 'eligible' } })
}

// What a form says wrongly, by field ('' when it is fine): said before anything is sent.
export function caseProblems(form) {
  const problems = {}
  if (!form.name.trim()) problems.name = '请填写案例名称'
  for (const key of AMOUNTS) {
    const amount = form[key]
    if (!amount.none && amount.yuan !== '' && toFen(amount.yuan) === null) problems[key] = '金额应为元，最多两位小数'
  }
  const facts = form.facts.map((row) => row.fact).filter(Boolean)
  if (new Set(facts).size !== facts.length) problems.facts = '同一指标只能填一次'
  if (!form.verdict && !AMOUNTS.some((key) => form[key].none || form[key].yuan !== '') && !form.summary.length && form.missing === null)
    problems.expect = '请至少填写一项期望结果'
  return problems
}

export function formToCase(form) {
  const expect = {}
  if (form.verdict) expect.verdict = form.verdict
  for (const key of AMOUNTS) {
    const amount = form[key]
    if (amount.none) expect[key] = null
    else if (amount.yuan !== '') expect[key] = toFen(amount.yuan)
  }
  if (form.missing !== null) expect.missing = [...form.missing]
  if (form.summary.length) expect.summary_contains = form.summary.length === 1 && form.summaryShape === 'text' ? form.summary[0] : [...form.summary]
  const out = { name: form.name.trim() }
  if (form.asOf) out.as_of = form.asOf
  out.facts = Object.fromEntries(form.facts.filter((row) => row.fact).map((row) => [row.fact, row.value ?? null]))
  out.expect = expect
  return { ...out, ...form.extra }
}

// One line of a case's expectations, as the cases table shows it.
export function expectText(expect, yuan) {
  if (!expect) return ''
  const parts = []
  if (expect.verdict) parts.push(VERDICT_NAMES[expect.verdict] || expect.verdict)
  if ('amount_fen' in expect) parts.push(expect.amount_fen === null ? '无金额' : yuan(expect.amount_fen))
  if (expect.annual_fen !== undefined && expect.annual_fen !== null) parts.push(`12 个月 ${yuan(expect.annual_fen)}`)
  if (expect.missing?.length) parts.push(`缺 ${expect.missing.join('、')}`)
  return parts.join('，')
}
