// Canned API answers shaped like the backend's schemas (api/resident/*_schemas.py).
const standing = (overrides = {}) => ({
  subject_id: 3,
  subject_kind: 'person',
  subject_name: '张*',
  verdict: 'eligible',
  summary: '符合：户籍东昌府区、年龄 82 周岁',
  missing: [],
  explanation: {
    status: 'pass',
    text: '同时满足',
    op: 'all',
    children: [
      { status: 'pass', text: '户籍在东昌府区', actual: '东昌府区', op: 'eq', children: [], missing: [] },
      { status: 'pass', text: '年满80周岁', actual: '年龄 82 周岁', op: 'ge', children: [], missing: [] },
    ],
    missing: [],
  },
  amount: { fen: 10000, period: 'monthly', annual_fen: 120000, trace: ['年龄 82 周岁，适用 80–89 周岁 档：100 元', '按月发放，未来 12 个月预计 1,200 元'], missing: [] },
  ...overrides,
})

const itemDetail = (overrides = {}) => ({
  id: 18,
  code: 'LC-MZ-2025-01-01',
  name: '高龄津贴',
  benefit: '80至89周岁每人每月100元',
  subject_type: 'person',
  mode: 'one_tap',
  apply_from: null,
  apply_until: '2026-12-31T23:59:59+08:00',
  open_now: true,
  amount_period: 'monthly',
  policy: { id: 8, title: '聊城市高龄津贴发放管理办法', doc_number: '聊民发〔2025〕8号' },
  department: { id: 2, name: '聊城市民政局', short_name: '市民政局' },
  categories: ['养老服务'],
  mine: [standing()],
  guide_text: '',
  contact: '市民政局养老服务科 0635-8452202',
  promised_days: 30,
  materials: [
    { name: '老年人本人或代办人身份证', required: true, types: ['jpg', 'png', 'pdf'] },
    { name: '银行卡', required: false, types: ['jpg'] },
  ],
  ...overrides,
})

const itemCard = (overrides = {}) => {
  const detail = itemDetail()
  delete detail.mine
  delete detail.guide_text
  delete detail.contact
  delete detail.promised_days
  delete detail.materials
  return { ...detail, ...overrides }
}

const boundSubject = (overrides = {}) => ({
  subject_id: 3,
  kind: 'person',
  name: '张*',
  identifier: '3****************4',
  relation: 'self',
  verified_by: 'local',
  bound_at: '2026-11-01T10:00:00+08:00',
  ...overrides,
})

const claim = (overrides = {}) => ({
  id: 41,
  claim_no: 'KX20261127000041',
  subject_id: 3,
  item_id: 18,
  item_name: '高龄津贴',
  status: 'reviewing',
  status_text: '审核中',
  expected_fen: 10000,
  approved_fen: null,
  paid_fen: null,
  reason: null,
  submitted_at: '2026-11-27T09:30:00+08:00',
  due_at: '2026-12-26T00:00:00+08:00',
  decided_at: null,
  paid_at: null,
  updated_at: '2026-11-27T10:00:00+08:00',
  item_version_id: 30,
  form: {
    applicant: { kind: 'person', name: '张*', district_code: '371502', district: '东昌府区' },
    facts: [{ fact: 'age', label: '年龄', value: '82' }, { fact: 'hukou_district', label: '户籍', value: '东昌府区' }],
    answers: { phone: '13800005678' },
  },
  materials: [{ id: 7, claim_id: 41, name: '老年人本人或代办人身份证', filename: 'id.pdf', content_type: 'application/pdf', size: 2048, sha256: 'ab', created_at: '2026-11-27T09:29:00+08:00' }],
  timeline: [
    { from_status: null, to_status: 'submitted', actor_kind: 'resident', note: null, created_at: '2026-11-27T09:30:00+08:00' },
    { from_status: 'submitted', to_status: 'reviewing', actor_kind: 'staff', note: '受理审核', created_at: '2026-11-27T10:00:00+08:00' },
  ],
  ...overrides,
})

const grant = (overrides = {}) => ({
  id: 5,
  subject_id: 3,
  item_id: 18,
  item_name: '高龄津贴',
  benefit: '80至89周岁每人每月100元',
  status: 'granted',
  amount_fen: 10000,
  needs_account: false,
  payout_account: '6222 **** **** 1234',
  granted_at: '2026-11-20T08:00:00+08:00',
  confirmed_at: null,
  paid_at: null,
  ...overrides,
})

const message = (overrides = {}) => ({
  id: 1024,
  kind: 'claim_status',
  title: '申请进度更新',
  body: '您申请的「高龄津贴」已通过审核。',
  page: 'pages/claim/claim?id=41',
  created_at: '2026-11-27T09:30:00+08:00',
  read: false,
  read_at: null,
  push: 'sent',
  ...overrides,
})

const template = (id, longTerm = false) => ({ template_id: id, kind: 'claim_status', title: '办事进度通知', long_term: longTerm, remaining: 0 })

module.exports = { standing, itemDetail, itemCard, boundSubject, claim, grant, message, template }
