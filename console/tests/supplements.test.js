import { expect, test } from 'vitest'

import { SCORE_WORDS, satisfiedText, shownValue } from '../src/lib/supplements.js'

test('a declared value reads as people say it', () => {
  expect(shownValue(true, 'boolean')).toBe('是')
  expect(shownValue(false, 'boolean')).toBe('否')
  expect(shownValue(1200050, 'money')).toBe('12,000.50 元')
  expect(shownValue('master', 'enum', { choices: [['bachelor', '本科'], ['master', '硕士研究生']] })).toBe('硕士研究生')
  expect(shownValue('master', 'enum', { choices: [{ value: 'master', label: '硕士研究生' }] })).toBe('硕士研究生')
  expect(shownValue(['dibao', 'tekun'], 'tags', { choices: [['dibao', '低保'], ['tekun', '特困']] })).toBe('低保、特困')
  expect(shownValue(3, 'integer', { unit: '人' })).toBe('3 人')
  expect(shownValue(null, 'integer')).toBe('未登记')
})

test('the satisfaction rate of 好差评', () => {
  expect(satisfiedText({ count: 0 })).toBe('暂无评价')
  expect(satisfiedText({ count: 3, satisfied_permille: 667 })).toBe('66.7%（3 条评价）')
  expect(SCORE_WORDS[5]).toBe('非常满意')
})
