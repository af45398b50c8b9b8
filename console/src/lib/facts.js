// The facts catalog in the console: names of types and states, and the form ⇄ API document.
export const KINDS = { person: '个人', enterprise: '企业' }
export const TYPES = {
  integer: '整数',
  decimal: '小数',
  percent: '百分比（%）',
  year: '年份',
  money: '金额（分）',
  boolean: '是/否',
  date: '日期',
  enum: '选项',
  tags: '标签集',
  code: '编码',
}
export const STATUS = { draft: '草稿', active: '启用', deprecated: '停用' }
export const CODE_TABLES = { division: '行政区划', industry: '国民经济行业' }
export const WITH_CHOICES = ['enum', 'tags']
export const RANGED = ['integer', 'decimal', 'percent', 'money', 'year']

// One allowed value a line: "small 小型" or "small=小型".
export function choicesFromText(text) {
  const choices = []
  const problems = []
  String(text || '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .forEach((line, index) => {
      const match = line.match(/^([a-z0-9][a-z0-9_]*)\s*[= ]\s*(.+)$/)
      if (match) choices.push({ value: match[1], label: match[2].trim() })
      else problems.push(`第 ${index + 1} 行应写作「值 中文名」，如 small 小型`)
    })
  return { choices, problems }
}

export function choicesToText(choices) {
  return (choices || [])
    .map((choice) => (Array.isArray(choice) ? `${choice[0]} ${choice[1]}` : `${choice.value} ${choice.label}`))
    .join('\n')
}

function numberOrNull(raw) {
  if (raw === '' || raw === null || raw === undefined) return null
  const value = Number(raw)
  return Number.isFinite(value) ? value : raw
}

// The form's values → the body of POST /facts (what a type does not use is left out).
export function documentFromForm(form) {
  const doc = {
    subject_type: form.subject_type,
    key: String(form.key || '').trim(),
    label: String(form.label || '').trim(),
    type: form.type,
    status: form.status || 'draft',
  }
  for (const name of ['description', 'unit', 'source_field']) {
    if (form[name]) doc[name] = String(form[name]).trim()
  }
  if (form.sensitive) doc.sensitive = true
  if (RANGED.includes(form.type)) {
    const minimum = numberOrNull(form.minimum)
    const maximum = numberOrNull(form.maximum)
    if (minimum !== null) doc.minimum = minimum
    if (maximum !== null) doc.maximum = maximum
  }
  if (['decimal', 'percent'].includes(form.type) && numberOrNull(form.scale) !== null) {
    doc.scale = numberOrNull(form.scale)
  }
  if (WITH_CHOICES.includes(form.type)) doc.choices = choicesFromText(form.choicesText).choices
  if (form.type === 'enum' && form.ordered) doc.ordered = true
  if (form.type === 'code') doc.code_table = form.code_table
  return doc
}

// How a derived fact is computed, in words.
export function derivationText(derivation) {
  if (!derivation) return ''
  if ('case' in derivation) return `分情形归类（${derivation.case.length} 种情形）`
  const [op, inputs] = Object.entries(derivation)[0]
  const words = { years_since: '距今整年数', months_since: '距今整月数', years_since_year: '距今年数', divide: '相除（向下取整）' }
  return `${words[op] || op}：${[].concat(inputs).join('、')}`
}
