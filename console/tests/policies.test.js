import { expect, test } from 'vitest'

import { policyChanges, policyForm } from '../src/lib/policies.js'

test('an edit sends only what changed', () => {
  const policy = { title: '高龄津贴办法', doc_number: '聊民发〔2025〕8号', summary: 'x', effective_to: '2030-03-31', categories: ['养老服务'] }
  const form = policyForm(policy)
  expect(policyChanges(form, policy)).toEqual({})
  form.title = ' 高龄津贴发放办法 '
  form.effective_to = ''
  form.categories.push('社会保障')
  expect(policyChanges(form, policy)).toEqual({ title: '高龄津贴发放办法', effective_to: null, categories: ['养老服务', '社会保障'] })
})

test('a new policy sends what was filled', () => {
  const form = policyForm()
  Object.assign(form, { title: '新政策', effective_from: '2027-01-01', categories: ['教育'] })
  expect(policyChanges(form)).toEqual({ title: '新政策', effective_from: '2027-01-01', categories: ['教育'] })
})
