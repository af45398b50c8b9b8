import { expect, test } from 'vitest'

import { batchId, problems } from '../src/lib/imports.js'

test('an upload gets a batch id the API takes', () => {
  const id = batchId(new Date(2026, 11, 4, 9, 5, 7), () => 0.0421)
  expect(id).toBe('console-20261204-090507-0421')
  expect(id).toMatch(/^[A-Za-z0-9._:-]{1,57}$/)
})

test('a report reads one problem a line', () => {
  const report = {
    file_error: null,
    rejected_rows: [{ line: 2, identifier: '3****************5', errors: { id_number: ['校验位不正确'], 'facts.age': ['未知的指标「age」', '由出生日期推算'] } }],
  }
  expect(problems(report)).toEqual([
    { line: 2, identifier: '3****************5', field: 'id_number', message: '校验位不正确' },
    { line: 2, identifier: '3****************5', field: 'facts.age', message: '未知的指标「age」' },
    { line: 2, identifier: '3****************5', field: 'facts.age', message: '由出生日期推算' },
  ])
  expect(problems({ file_error: { line: 1, message: '表头有误' } })).toEqual([{ line: 1, identifier: '', field: '文件', message: '表头有误' }])
})
