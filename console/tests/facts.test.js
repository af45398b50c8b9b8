import { describe, expect, test } from 'vitest'

import { flattenErrors } from '../src/lib/api.js'
import { choicesFromText, choicesToText, derivationText, documentFromForm } from '../src/lib/facts.js'
import { can, describeRoles, menuFor } from '../src/lib/roles.js'

describe('facts form', () => {
  test('a level with its vocabulary becomes the API document', () => {
    const doc = documentFromForm({
      subject_type: 'enterprise',
      key: ' insured_band ',
      label: '参保规模',
      type: 'enum',
      ordered: true,
      choicesText: 'small 小型\nlarge=大型\n',
      minimum: '3',
      unit: '',
      status: 'active',
    })
    expect(doc).toEqual({
      subject_type: 'enterprise',
      key: 'insured_band',
      label: '参保规模',
      type: 'enum',
      status: 'active',
      choices: [
        { value: 'small', label: '小型' },
        { value: 'large', label: '大型' },
      ],
      ordered: true,
    })
  })

  test('numbers stay numbers, and what a type does not use is left out', () => {
    const doc = documentFromForm({ subject_type: 'person', key: 'paid', label: '已缴', type: 'money', minimum: '0', maximum: '', ordered: true, code_table: 'division' })
    expect(doc).toEqual({ subject_type: 'person', key: 'paid', label: '已缴', type: 'money', status: 'draft', minimum: 0 })
  })

  test('a bad vocabulary line is named', () => {
    expect(choicesFromText('small 小型\n小型').problems).toEqual(['第 2 行应写作「值 中文名」，如 small 小型'])
    expect(choicesToText([['a', '甲'], { value: 'b', label: '乙' }])).toBe('a 甲\nb 乙')
  })

  test('derivations read in words', () => {
    expect(derivationText({ years_since: 'birth_date' })).toBe('距今整年数：birth_date')
    expect(derivationText({ case: [{}, {}], else: 'x' })).toBe('分情形归类（2 种情形）')
    expect(derivationText(null)).toBe('')
  })
})

describe('roles and errors', () => {
  const reviewer = { roles: [{ role: 'reviewer', department_id: 3 }] }
  const nobody = { roles: [{ role: 'data_platform', department_id: null }] }

  test('the menu follows the roles', () => {
    expect(menuFor(reviewer).map((page) => page.path)).toEqual(['/', '/dashboard', '/facts', '/claims', '/supplements', '/grants'])
    expect(menuFor({ roles: [{ role: 'publisher', department_id: 3 }] }).map((page) => page.path)).toEqual(['/', '/dashboard', '/policies', '/facts', '/ask'])
    expect(menuFor({ roles: [{ role: 'catalog' }] }).map((page) => page.path)).toEqual(['/', '/facts', '/profiles'])
    expect(menuFor(nobody).map((page) => page.path)).toEqual(['/'])
    expect(can(reviewer, 'catalog')).toBe(false)
    expect(can({ roles: [{ role: 'admin' }] }, 'catalog')).toBe(true)
    expect(describeRoles(reviewer, { 3: '聊城市民政局' })).toBe('申请审核（聊城市民政局）')
  })

  test('field errors of any depth are flattened by path', () => {
    expect(flattenErrors({ json: { key: ['必填'], choices: { 1: ['重复'] } } })).toEqual({ key: ['必填'], 'choices.1': ['重复'] })
    expect(flattenErrors({ 'choices[1]': ['重复'] })).toEqual({ 'choices[1]': ['重复'] })
  })
})
