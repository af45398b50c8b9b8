import { expect, test } from 'vitest'

import { actionsFor, claimQuery, previewKind } from '../src/lib/claims.js'
import { toFen, toYuanText, yuan } from '../src/lib/money.js'

test('money is typed in 元 and sent in fen, exactly', () => {
  expect(toFen('1,234.5')).toBe(123450)
  expect(toFen('0.07')).toBe(7)
  expect(toFen('19.999')).toBe(null)
  expect(toFen('一百')).toBe(null)
  expect(toFen('')).toBe(null)
  expect(yuan(450000)).toBe('4,500 元')
  expect(yuan(12345)).toBe('123.45 元')
  expect(yuan(null)).toBe('—')
  expect(toYuanText(12300)).toBe('123')
  expect(toYuanText(12345)).toBe('123.45')
})

test('what a reviewer may do follows the claim state', () => {
  expect(actionsFor('submitted')).toEqual(['review', 'reject', 'return'])
  expect(actionsFor('reviewing')).toEqual(['approve', 'reject', 'return'])
  expect(actionsFor('approved')).toEqual(['pay'])
  expect(actionsFor('paid')).toEqual([])
  expect(Object.fromEntries(new URLSearchParams(claimQuery({ status: 'submitted', overdue: true, order: 'due' })))).toEqual({
    page: '1',
    page_size: '20',
    status: 'submitted',
    overdue: 'true',
    order: 'due',
  })
  expect([previewKind('image/jpeg'), previewKind('application/pdf'), previewKind('text/plain')]).toEqual(['image', 'pdf', 'file'])
})

test('the dry-run chart holds the districts figures', async () => {
  const { districtChart } = await import('../src/lib/charts.js')
  const option = districtChart([{ name: '东昌府区', eligible: 48, unknown: 6 }, { name: '临清市', eligible: 3, unknown: 0 }])
  expect(option.xAxis.data).toEqual(['东昌府区', '临清市'])
  expect(option.series.map((s) => s.data)).toEqual([[48, 3], [6, 0]])
})
