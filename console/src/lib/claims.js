// Claims in the console: states, what a reviewer may do in each, reasons, the list's query.
export const STATUS = {
  submitted: { label: '已提交', tag: 'primary' },
  reviewing: { label: '审核中', tag: 'warning' },
  returned: { label: '已退回补正', tag: 'info' },
  approved: { label: '已通过', tag: 'success' },
  paid: { label: '已兑现', tag: 'success' },
  rejected: { label: '未通过', tag: 'danger' },
  withdrawn: { label: '已撤回', tag: 'info' },
}

// The actions of the admin API a claim in each state takes (services/claims/_steps.py MOVES).
const ACTIONS = {
  submitted: ['review', 'reject', 'return'],
  reviewing: ['approve', 'reject', 'return'],
  approved: ['pay'],
}
export const GRANT_STATUS = { granted: '待本人确认', confirmed: '已确认待发放', declined: '本人放弃', paid: '已发放' }

export const ACTION_NAMES = { review: '受理审核', approve: '通过', reject: '不予通过', return: '退回补正', pay: '兑现' }

export function actionsFor(status) {
  return ACTIONS[status] || []
}

export const REASONS = {
  reject: ['不符合申请条件：', '经核实，申报信息与实际情况不符', '已享受同类补贴，不得重复申领'],
  return: ['材料不清晰，请重新拍摄上传：', '缺少材料：', '材料与申请主体不一致，请核对后重新上传'],
}

export function claimQuery(filters, page = 1, pageSize = 20) {
  const query = new URLSearchParams({ page: String(page), page_size: String(pageSize) })
  if (filters.status) query.set('status', filters.status)
  if (filters.overdue) query.set('overdue', 'true')
  if (filters.order) query.set('order', filters.order)
  return query.toString()
}

// Fetch the images and PDFs of materials (with the token) into object URLs, by material id, for
// <img>/<iframe> previews; other files are downloaded on demand.
export async function loadPreviews(materials, previews, fetchBlob) {
  for (const material of materials) {
    const kind = previewKind(material.content_type)
    if (kind !== 'file' && !previews[material.id]) {
      previews[material.id] = { kind, url: URL.createObjectURL(await fetchBlob(material.download_url)) }
    }
  }
}

export function previewKind(contentType) {
  if (String(contentType).startsWith('image/')) return 'image'
  if (contentType === 'application/pdf') return 'pdf'
  return 'file'
}

// What the applicant filled in, as rows to show: the 联系电话 (masked by the API; the full number
// is read on demand, audited) first, then the rest by label.
const ANSWER_LABELS = { phone: '联系电话', 联系电话: '联系电话', note: '补充说明', 备注: '补充说明' }
const PHONE_KEYS = ['phone', '联系电话']

export function answerRows(answers) {
  const rows = Object.entries(answers || {})
    .filter(([, value]) => String(value ?? '').trim() !== '')
    .map(([key, value]) => ({ key, label: ANSWER_LABELS[key] || key, value: String(value), phone: PHONE_KEYS.includes(key) }))
  return rows.sort((a, b) => Number(b.phone) - Number(a.phone))
}
