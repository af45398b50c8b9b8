// Every demo item's cases go through the case form and back unchanged; the form says what is
// wrong before anything is sent; money is typed in 元 and kept in fen.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'

import { caseProblems, caseToForm, expectText, formToCase, newCase } from '../src/lib/cases.js'
import { yuan } from '../src/lib/money.js'

const POLICIES = join(import.meta.dirname, '..', '..', 'services', 'demo', 'data', 'policies')
const cases = readdirSync(POLICIES)
  .filter((name) => name.endsWith('.yaml'))
  .flatMap((name) => parse(readFileSync(join(POLICIES, name), 'utf8')).items)
  .flatMap((item) => (item.cases || []).map((c) => [`${item.code} ${c.name}`, c]))

// YAML dates become Date objects; the API sends them as "YYYY-MM-DD" strings.
function asJson(value) {
  return JSON.parse(JSON.stringify(value), (_key, v) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T00:00:00.000Z$/.test(v) ? v.slice(0, 10) : v))
}

describe('the demo cases round-trip through the case form', () => {
  test('there are demo cases of every kind', () => {
    expect(cases.length).toBeGreaterThan(100)
    const expects = cases.map(([, c]) => c.expect)
    expect(expects.some((e) => e.verdict === 'unknown' && e.missing)).toBe(true)
    expect(expects.some((e) => e.summary_contains)).toBe(true)
    expect(expects.some((e) => 'annual_fen' in e)).toBe(true)
  })

  test.each(cases)('%s', (_name, item) => {
    const json = asJson(item)
    const form = caseToForm(json)
    expect(caseProblems(form)).toEqual({})
    expect(formToCase(form)).toEqual(json)
  })
})

test('a case typed in the form: 元 become fen, an empty date means today, empty rows are dropped', () => {
  const form = newCase('80岁老人')
  form.facts.push({ id: 'a', fact: 'age', value: 81 }, { id: 'b', fact: '', value: undefined })
  form.amount_fen.yuan = '1,200.5'
  form.annual_fen.none = true
  form.summary = ['年满80周岁']
  expect(formToCase(form)).toEqual({
    name: '80岁老人',
    facts: { age: 81 },
    expect: { verdict: 'eligible', amount_fen: 120050, annual_fen: null, summary_contains: ['年满80周岁'] },
  })
})

test('the form names what is wrong before anything is sent', () => {
  const form = newCase('')
  form.verdict = ''
  form.amount_fen.yuan = '12.345'
  form.facts.push({ id: 'a', fact: 'age', value: 1 }, { id: 'b', fact: 'age', value: 2 })
  expect(caseProblems(form)).toEqual({ name: '请填写案例名称', amount_fen: '金额应为元，最多两位小数', facts: '同一指标只能填一次' })
  form.amount_fen.yuan = ''
  expect(caseProblems(form).expect).toBe('请至少填写一项期望结果')
})

test('a case reads as one line', () => {
  expect(expectText({ verdict: 'eligible', amount_fen: 15000, annual_fen: 180000 }, yuan)).toBe('符合，150 元，12 个月 1,800 元')
  expect(expectText({ verdict: 'unknown', missing: ['disability_level'] }, yuan)).toBe('待补充信息，缺 disability_level')
  expect(expectText({ verdict: 'ineligible', amount_fen: null }, yuan)).toBe('不符合，无金额')
})
