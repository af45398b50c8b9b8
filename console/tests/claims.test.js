import { expect, test } from 'vitest'

import { actionsFor, answerRows, claimQuery, previewKind } from '../src/lib/claims.js'
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

test('the 驾驶舱 charts hold the API figures, money in 元', async () => {
  const { benefitByDistrict, funnel, grantsPie, paidByMonth, topItems } = await import('../src/lib/charts.js')
  const district = benefitByDistrict([{ name: '东昌府区', annual_fen: 123400, subjects: 7 }])
  expect(district.series[0].data).toEqual([1234])
  expect(district.series[1].data).toEqual([7])
  expect(topItems([{ name: 'a', annual_fen: 300 }, { name: 'b', annual_fen: 100 }], 1).yAxis.data).toEqual(['a'])
  expect(funnel([{ label: '符合条件', count: 9 }]).series[0].data).toEqual([{ name: '符合条件', value: 9 }])
  expect(grantsPie({ paid: 2 }).series[0].data).toEqual([{ name: '已兑现', value: 2 }])
  expect(paidByMonth([{ month: '2026-11', paid_fen: 10050 }]).series[0].data).toEqual([101])
})

test("the applicant's answers show the masked phone first, labelled, empty ones left out", () => {
  expect(answerRows({ note: '白天方便', phone: '138****1234', extra: '' })).toEqual([
    { key: 'phone', label: '联系电话', value: '138****1234', phone: true },
    { key: 'note', label: '补充说明', value: '白天方便', phone: false },
  ])
  expect(answerRows({ 联系电话: '139****5678', 开户行: '农业银行' }).map((row) => row.label)).toEqual(['联系电话', '开户行'])
  expect(answerRows(undefined)).toEqual([])
})
