// Every demo item's rule and amount go through the builders' model and back unchanged.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'

import { amountToForm, formToAmount, formToRule, newAmount, nodeAt, ruleToForm } from '../src/lib/builder.js'

const POLICIES = join(import.meta.dirname, '..', '..', 'services', 'demo', 'data', 'policies')
const items = readdirSync(POLICIES)
  .filter((name) => name.endsWith('.yaml'))
  .flatMap((name) => parse(readFileSync(join(POLICIES, name), 'utf8')).items)

// YAML dates become Date objects; the API sends them as "YYYY-MM-DD" strings.
function asJson(value) {
  return JSON.parse(JSON.stringify(value ?? {}, (_key, v) => v), (_key, v) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T00:00:00.000Z$/.test(v) ? v.slice(0, 10) : v))
}

describe('the demo items round-trip through the builders', () => {
  test('there are demo items to try', () => {
    expect(items.length).toBeGreaterThan(40)
  })

  test.each(items.map((item) => [item.code, item]))('%s', (_code, item) => {
    const rule = asJson(item.rule)
    const amount = asJson(item.amount)
    expect(formToRule(ruleToForm(rule))).toEqual(rule)
    expect(formToAmount(amountToForm(amount))).toEqual(amount)
  })
})

test('conditional amounts and their conditions round-trip', () => {
  const amount = {
    kind: 'choose',
    period: 'yearly',
    branches: [{ when: { any: [{ fact: 'enterprise_tags', op: 'has_any', value: ['little_giant'] }, { not: { fact: 'area', op: '==', value: 'none' } }] }, amount: { kind: 'rate', base: 'revenue_fen', rate: '2/3', round: 'floor', to: 'yuan' }, label: '小巨人' }],
    otherwise: { kind: 'sum', parts: [{ kind: 'fixed', fen: 100 }, { kind: 'tiers', fact: 'employees', tiers: [{ min: 1, fen: 5 }] }] },
  }
  expect(formToAmount(amountToForm(amount))).toEqual(amount)
  expect(formToAmount(newAmount('choose'))).toEqual({ kind: 'choose', branches: [{ when: { fact: '', op: '' }, amount: { kind: 'fixed', fen: 0 } }] })
})

test('an error path of the API finds its node', () => {
  const form = ruleToForm({ all: [{ fact: 'age', op: '>=', value: 80 }, { not: { any: [{ fact: 'veteran', op: '==', value: true }] } }] })
  expect(nodeAt(form, '$.all[0].value').fact).toBe('age')
  expect(nodeAt(form, '$.all[1].not.any[0].fact').fact).toBe('veteran')
  expect(nodeAt(form, '$.all[5]')).toBe(null)
  expect(formToRule(ruleToForm({}))).toEqual({})
})
