// The audit log in words: actions by their Chinese names, and the query of a filter form.
export const ACTIONS = {
  'fact.': '指标目录',
  'policy.': '政策',
  'item.': '政策事项',
  'claim.': '申请审核',
  'grant.': '免申即享',
  'profiles.': '画像数据',
  'staff.': '工作人员',
  'department.': '部门',
}

export const ACTION_NAMES = {
  'fact.create': '新增指标',
  'fact.update': '修改指标',
  'fact.status': '变更指标状态',
  'fact.delete': '删除指标草稿',
  'policy.create': '新建政策',
  'policy.publish': '发布政策',
  'policy.withdraw': '撤回政策',
  'item.create': '新建事项',
  'item.draft': '保存事项草稿',
  'item.publish': '发布事项',
  'item.version': '发布事项新版本',
  'item.withdraw': '撤回事项',
  'profiles.import': '导入画像',
  'profiles.upsert': '更新画像',
  'staff.create': '新建工作人员',
}

export function actionName(action) {
  return ACTION_NAMES[action] || action
}

// The filter form → the query string of GET /audit (empty filters left out; dates as the
// start of the day and the day after the end, in Asia/Shanghai).
export function auditQuery(filters, page = 1, pageSize = 20) {
  const query = new URLSearchParams({ page: String(page), page_size: String(pageSize) })
  for (const name of ['action', 'object_type', 'object_id', 'actor']) {
    if (filters[name]) query.set(name, String(filters[name]).trim())
  }
  const [from, to] = filters.days || []
  if (from) query.set('since', `${from}T00:00:00+08:00`)
  if (to) query.set('until', `${nextDay(to)}T00:00:00+08:00`)
  return query.toString()
}

export function nextDay(day) {
  const [year, month, date] = day.split('-').map(Number)
  const next = new Date(Date.UTC(year, month - 1, date + 1))
  return next.toISOString().slice(0, 10)
}

export function changes(entry) {
  const keys = [...new Set([...Object.keys(entry.before || {}), ...Object.keys(entry.after || {})])]
  return keys.map((key) => ({ key, before: show(entry.before?.[key]), after: show(entry.after?.[key]) }))
}

function show(value) {
  if (value === undefined) return ''
  return typeof value === 'string' ? value : JSON.stringify(value)
}
