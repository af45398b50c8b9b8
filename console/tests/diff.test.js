import { expect, test } from 'vitest'

import { versionDiff } from '../src/lib/diff.js'

test('a version diff says where and what changed', () => {
  const older = {
    rule: { all: [{ fact: 'age', op: '>=', value: 80 }, { fact: 'hukou_district', op: 'in', value: ['3715'] }] },
    amount: { kind: 'fixed', fen: 10000, period: 'monthly' },
    cases: [{ name: 'a' }],
  }
  const newer = {
    rule: { all: [{ fact: 'age', op: '>=', value: 75 }, { fact: 'hukou_district', op: 'in', value: ['3715'] }] },
    amount: { kind: 'fixed', fen: 12000, period: 'monthly' },
    cases: [{ name: 'a' }, { name: 'b' }],
  }
  expect(versionDiff(older, newer)).toEqual([
    { path: '条件.all[1].value', before: '80', after: '75' },
    { path: '金额.fen', before: '10000', after: '12000' },
    { path: '案例[2]', before: '（无）', after: '{"name":"b"}' },
  ])
  expect(versionDiff(older, older)).toEqual([])
})
