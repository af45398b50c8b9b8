import { expect, test } from 'vitest'

import { questionState, wordsFromText, wordsToText } from '../src/lib/ask.js'

test('policy words are typed on one line, in any separator', () => {
  expect(wordsFromText('长寿补贴、100周岁')).toEqual(['长寿补贴', '100周岁'])
  expect(wordsFromText(' 稳岗返还, 失业保险；稳岗返还 ')).toEqual(['稳岗返还', '失业保险'])
  expect(wordsFromText('')).toEqual([])
  expect(wordsToText(['高龄津贴', '老年人'])).toBe('高龄津贴、老年人')
})

test('a question says what became of it', () => {
  expect(questionState({ answered: false })).toBe('未能回答')
  expect(questionState({ answered: true, feedback: 'useless' })).toBe('答了，居民说没用')
  expect(questionState({ answered: true, feedback: null })).toBe('答了')
})
