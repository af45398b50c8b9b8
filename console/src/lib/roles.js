// The menu by role: a page shows only for the roles that may use it (the API decides anyway).
export const ROLE_NAMES = {
  admin: '管理员',
  publisher: '政策发布',
  reviewer: '申请审核',
  catalog: '数据管理员',
  data_platform: '数据平台',
}

export const PAGES = [
  { path: '/', title: '工作台', roles: null },
  { path: '/dashboard', title: '驾驶舱', roles: ['admin', 'publisher', 'reviewer'] },
  { path: '/policies', title: '政策发布', roles: ['admin', 'publisher'] },
  { path: '/facts', title: '指标目录', roles: ['admin', 'catalog', 'publisher', 'reviewer'] },
  { path: '/claims', title: '申请审核', roles: ['admin', 'reviewer'] },
  { path: '/supplements', title: '补充信息审核', roles: ['admin', 'reviewer'] },
  { path: '/grants', title: '免申即享', roles: ['admin', 'reviewer'] },
  { path: '/profiles', title: '画像数据', roles: ['admin', 'catalog'] },
  { path: '/ask', title: '智能咨询', roles: ['admin', 'publisher'] },
  { path: '/pushes', title: '消息推送', roles: ['admin'] },
  { path: '/audit', title: '审计日志', roles: ['admin'] },
]

export function rolesOf(staff) {
  return (staff?.roles || []).map((held) => held.role)
}

export function menuFor(staff) {
  const held = rolesOf(staff)
  return PAGES.filter((page) => page.roles === null || page.roles.some((role) => held.includes(role)))
}

export function can(staff, ...roles) {
  const held = rolesOf(staff)
  return held.includes('admin') || roles.some((role) => held.includes(role))
}

export function describeRoles(staff, departments = {}) {
  return (staff?.roles || [])
    .map((held) => {
      const name = ROLE_NAMES[held.role] || held.role
      const where = held.department_id ? departments[held.department_id] || `部门 ${held.department_id}` : ''
      return where ? `${name}（${where}）` : name
    })
    .join('、')
}
