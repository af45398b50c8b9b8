// The rule and amount builders' model: the JSON of docs/rules.md as a tree the forms edit, and
// back. Every key of a rule or amount has a place in the model, so a round trip gives the same
// JSON (tests/builder.test.js holds it on every demo item).

let nextId = 1
const id = () => nextId++

export const GROUP_OPS = { all: '同时满足', any: '满足其一', not: '不满足' }
const CONDITION_KEYS = ['fact', 'op', 'value', 'other', 'on', 'label']

// A rule ({} = everyone) → a node: {id, type: 'group', op, children, label} or
// {id, type: 'condition', fact, op, value?, other?, on?, label?}; null for the empty rule.
export function ruleToForm(rule) {
  if (!rule || Object.keys(rule).length === 0) return null
  for (const op of Object.keys(GROUP_OPS)) {
    if (op in rule) {
      const children = op === 'not' ? [rule.not] : rule[op]
      return { id: id(), type: 'group', op, children: children.map(ruleToForm), label: rule.label }
    }
  }
  const node = { id: id(), type: 'condition' }
  for (const key of CONDITION_KEYS) if (key in rule) node[key] = rule[key]
  return node
}

export function formToRule(node) {
  if (!node) return {}
  if (node.type === 'group') {
    const children = node.children.map(formToRule)
    const rule = { [node.op]: node.op === 'not' ? children[0] : children }
    if (node.label) rule.label = node.label
    return rule
  }
  const rule = {}
  for (const key of CONDITION_KEYS) {
    if (node[key] !== undefined && node[key] !== null && !(key === 'label' && node[key] === '')) rule[key] = node[key]
  }
  return rule
}

export function newCondition(fact = '') {
  return { id: id(), type: 'condition', fact, op: '' }
}

export function newGroup(op = 'all') {
  return { id: id(), type: 'group', op, children: [newCondition()] }
}

// Amounts: the same, with the nested formulas of sum (parts) and choose (branches, otherwise).
export const AMOUNT_KINDS = {
  fixed: '定额',
  per_unit: '按人数/件数计',
  rate: '按比例',
  tiers: '分档',
  sum: '多项合计',
  choose: '分情形',
}
export const PERIODS = { once: '一次性', monthly: '按月', yearly: '按年' }
export const ROUNDING = { half_up: '四舍五入', floor: '向下取整', ceiling: '向上取整' }

export function amountToForm(amount) {
  if (!amount || Object.keys(amount).length === 0) return null
  const form = { id: id(), ...amount }
  if (amount.parts) form.parts = amount.parts.map(amountToForm)
  if (amount.tiers) form.tiers = amount.tiers.map((tier) => ({ id: id(), ...tier }))
  if (amount.branches) {
    form.branches = amount.branches.map((branch) => ({
      id: id(),
      ...branch,
      when: ruleToForm(branch.when),
      amount: amountToForm(branch.amount),
    }))
  }
  if (amount.otherwise) form.otherwise = amountToForm(amount.otherwise)
  return form
}

export function formToAmount(form) {
  if (!form) return {}
  const { id: _id, ...amount } = form
  for (const [key, value] of Object.entries(amount)) {
    if (value === undefined || value === null || value === '') delete amount[key]
  }
  if (form.parts) amount.parts = form.parts.map(formToAmount)
  if (form.tiers) amount.tiers = form.tiers.map(({ id: _tier, ...tier }) => tier)
  if (form.branches) {
    amount.branches = form.branches.map(({ id: _branch, when, amount: inner, ...branch }) => ({
      ...branch,
      when: formToRule(when),
      amount: formToAmount(inner),
    }))
  }
  if (form.otherwise) amount.otherwise = formToAmount(form.otherwise)
  return amount
}

// A new formula of a kind, with the fields its form shows.
export function newAmount(kind = 'fixed') {
  const fields = {
    fixed: { fen: 0 },
    per_unit: { fact: '', unit_fen: 0 },
    rate: { base: '', rate: '0.5' },
    tiers: { fact: '', tiers: [{ id: id(), fen: 0 }] },
    sum: { parts: [amountToForm({ kind: 'fixed', fen: 0 })] },
    choose: { branches: [{ id: id(), when: newCondition(), amount: amountToForm({ kind: 'fixed', fen: 0 }) }] },
  }[kind]
  return { id: id(), kind, ...fields }
}

// Where in the tree a JSON path of the API's errors points ("$.all[1].value" → the node).
export function nodeAt(root, path) {
  let node = root
  const steps = String(path).replace(/^\$/, '').match(/\.[a-z_]+|\[\d+\]/g) || []
  for (const step of steps) {
    if (!node) return null
    if (step === '.not') node = node.children?.[0]
    else if (/^\.(all|any)$/.test(step)) continue
    else if (step.startsWith('[')) node = node.children?.[Number(step.slice(1, -1))]
    else return node ?? null // a field of the node (.value, .fact, .op): the node itself
  }
  return node ?? null
}
