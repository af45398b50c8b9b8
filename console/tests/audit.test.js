import { expect, test } from 'vitest'

import { actionName, auditQuery, changes, nextDay } from '../src/lib/audit.js'
import { page } from '../src/lib/api.js'

test('the filter form becomes the query of GET /audit', () => {
  const query = auditQuery({ action: 'fact.', actor: ' 演示 ', object_id: '', days: ['2026-12-01', '2026-12-31'] }, 2)
  expect(Object.fromEntries(new URLSearchParams(query))).toEqual({
    page: '2',
    page_size: '20',
    action: 'fact.',
    actor: '演示',
    since: '2026-12-01T00:00:00+08:00',
    until: '2027-01-01T00:00:00+08:00',
  })
  expect(nextDay('2028-02-28')).toBe('2028-02-29')
})

test('an entry reads in words, field by field', () => {
  expect(actionName('fact.create')).toBe('新增指标')
  expect(actionName('something.new')).toBe('something.new')
  expect(changes({ before: { unit: '' }, after: { unit: '次', choices: [['a', '甲']] } })).toEqual([
    { key: 'unit', before: '', after: '次' },
    { key: 'choices', before: '', after: '[["a","甲"]]' },
  ])
})

test('a page of a list carries the total from X-Pagination', async () => {
  const fetchImpl = async () => new Response(JSON.stringify([{ id: 1 }]), { status: 200, headers: { 'X-Pagination': '{"total": 41, "total_pages": 3}' } })
  const answer = await page('/audit?page=1', { fetchImpl })
  expect(answer.total).toBe(41)
  expect(answer.items).toEqual([{ id: 1 }])
})
