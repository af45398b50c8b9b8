// 事项详情: what the item gives, how each of my subjects stands (why I qualify, what is missing),
// the amount with its trace, and the way to get it: 一键办理, 免申即享 or the guide text.
const careBehavior = require('../../behaviors/care')
const freshBehavior = require('../../behaviors/fresh')
const api = require('../../utils/api')
const nav = require('../../utils/nav')
const fmt = require('../../utils/format')

const VERDICT_WORDS = { eligible: '您符合条件', unknown: '还差一些信息才能判断', ineligible: '暂不符合条件' }
const CHECK_MARKS = { pass: '✓', fail: '✗', unknown: '?' }
// what a screen reader says instead of the mark (the mark itself is aria-hidden)
const CHECK_WORDS = { pass: '（符合）', fail: '（不符合）', unknown: '（待补充）' }

// The explanation tree, flattened to lines a resident reads (the root "all" node adds nothing).
function explanationLines(node, depth = 0, lines = []) {
  if (!node) return lines
  const children = node.children || []
  const grouping = children.length && (node.op === 'all' || node.op === 'any')
  if (!grouping || depth > 0) {
    const actual = node.actual ? `（${node.actual}）` : ''
    lines.push({ key: `${depth}-${lines.length}`, mark: CHECK_MARKS[node.status] || '', statusWord: CHECK_WORDS[node.status] || '', status: node.status, text: `${node.text || ''}${actual}`, depth })
  }
  children.forEach((child) => explanationLines(child, grouping && depth === 0 ? depth : depth + 1, lines))
  return lines
}

const SUPPLEMENT_WORDS = { pending: '补充信息审核中', approved: '补充信息已通过', rejected: '补充信息未通过' }

// Why 一键办理 would be refused now, in words (null: it can succeed): a claim in progress or
// paid (409), the window not open yet or closed (422), the subject not (yet) eligible.
function blockedBecause(standing, mode, window) {
  if (mode !== 'one_tap') return null
  if (standing.claim) return `已在办理：${fmt.label(fmt.CLAIM_LABELS, standing.claim.status)}，可查看进度`
  if (!window.openNow) return window.applyFrom && window.notYet ? `申请期 ${window.applyFrom} 起` : '不在申请期内'
  if (standing.verdict === 'unknown') {
    const waiting = (standing.supplements || []).some((s) => s.status === 'pending')
    return waiting ? '补充信息审核中：通过后即可申请' : '还缺信息：点「补充信息」提交，或致电咨询'
  }
  if (standing.verdict !== 'eligible') return '暂不符合条件'
  return null
}

// The department's phone in its contact line ("市民政局养老服务科 0635-8452202"), for a tap to call.
function phoneOf(contact) {
  const match = /(0\d{2,3}-?\d{7,8}|1\d{10}|12345)/.exec(contact || '')
  return match ? match[1] : ''
}

// Field access for GET /items/{id} (ItemDetail with `mine`, one standing per bound subject).
function standingView(standing, mode, window = { openNow: true }) {
  const amount = standing.amount || null
  return {
    subjectId: standing.subject_id,
    subjectName: standing.subject_name || '',
    subjectKind: fmt.label(fmt.SUBJECT_TYPE_LABELS, standing.subject_kind),
    verdict: standing.verdict,
    verdictWords: VERDICT_WORDS[standing.verdict] || '',
    summary: standing.summary || '',
    missing: (standing.missing || []).map((fact) => fact.label || fact.fact),
    lines: explanationLines(standing.explanation),
    amount: amount && amount.fen !== null && amount.fen !== undefined ? `${fmt.yuan(amount.fen)}${fmt.label(fmt.PERIOD_SUFFIX, amount.period)}` : '',
    annual: amount && amount.annual_fen ? fmt.yuan(amount.annual_fen) : '',
    trace: (amount && amount.trace) || [],
    claimId: standing.claim ? standing.claim.id : null,
    // 补充信息: the missing facts can be declared (those not already waiting for review)
    canSupplement: standing.verdict === 'unknown' && (standing.missing || []).some((m) => !(standing.supplements || []).some((s) => s.fact === m.fact && s.status === 'pending')),
    supplements: (standing.supplements || []).map((s) => ({ id: s.id, status: s.status, words: SUPPLEMENT_WORDS[s.status] || s.status, reason: s.reason || '' })),
    blocked: blockedBecause(standing, mode, window) || '',
    canClaim: mode === 'one_tap' && !blockedBecause(standing, mode, window),
  }
}

function itemView(detail) {
  const mode = detail.mode
  return {
    id: detail.id,
    name: detail.name,
    benefit: detail.benefit || '',
    mode,
    modeLabel: fmt.label(fmt.MODE_LABELS, mode),
    subjectType: fmt.label(fmt.SUBJECT_TYPE_LABELS, detail.subject_type),
    policyId: detail.policy ? detail.policy.id : null,
    policyTitle: detail.policy ? detail.policy.title : '',
    docNumber: (detail.policy && detail.policy.doc_number) || '',
    department: (detail.department && detail.department.name) || '',
    openNow: detail.open_now !== false,
    applyFrom: fmt.shanghaiTime(detail.apply_from, false),
    applyUntil: fmt.shanghaiTime(detail.apply_until, false),
    guideText: detail.guide_text || '',
    contact: detail.contact || '',
    promisedDays: detail.promised_days || null,
    materials: (detail.materials || []).map((m) => ({ name: m.name, required: m.required !== false })),
    phone: phoneOf(detail.contact),
    mine: (detail.mine || []).map((standing) =>
      standingView(standing, mode, {
        openNow: detail.open_now !== false,
        notYet: !!detail.apply_from && new Date(detail.apply_from) > new Date(),
        applyFrom: fmt.shanghaiTime(detail.apply_from, false),
      }),
    ),
  }
}

Component({
  behaviors: [careBehavior, freshBehavior],
  data: {
    loading: true,
    error: '',
    item: null,
    focusSubjectId: null,
  },
  methods: {
    // 转发: a neighbour gets the item's page (never whose standing it showed: no subject_id).
    onShareAppMessage() {
      const item = this.data.item
      return { title: item ? `${item.name}｜政策快享` : '政策快享', path: `/pages/item/item?id=${this.itemId}` }
    },
    onLoad(query) {
      this.itemId = query && query.id
      this.setData({ focusSubjectId: query && query.subject_id ? Number(query.subject_id) : null })
      return this.load()
    },
    load({ quiet = false } = {}) {
      if (!this.itemId) {
        this.setData({ loading: false, error: '缺少事项编号' })
        return Promise.resolve()
      }
      this.setData({ loading: !quiet, error: '' })
      return api
        .call('item', { params: { item_id: this.itemId } })
        .then((detail) => {
          const item = itemView(detail)
          if (this.data.focusSubjectId) {
            // the subject the resident came from goes first
            item.mine.sort((a, b) => (b.subjectId === this.data.focusSubjectId) - (a.subjectId === this.data.focusSubjectId))
          }
          this.setData({ loading: false, item })
          if (wx.setNavigationBarTitle) wx.setNavigationBarTitle({ title: item.name })
        })
        .catch((error) => this.setData({ loading: false, error: error.message }))
    },
    claim(event) {
      const subject = event.currentTarget.dataset.subject
      nav.go(`/pages/claim-form/claim-form?item_id=${this.data.item.id}&subject_id=${subject}`)
    },
    supplement(event) {
      const subject = event.currentTarget.dataset.subject
      nav.go(`/pages/supplement/supplement?item_id=${this.data.item.id}&subject_id=${subject}`)
    },
    viewClaim(event) {
      nav.go(`/pages/claim/claim?id=${event.currentTarget.dataset.claim}`)
    },
    call() {
      if (this.data.item.phone) wx.makePhoneCall({ phoneNumber: this.data.item.phone.replace('-', '') })
    },
    calculate(event) {
      const subject = event.currentTarget.dataset.subject
      nav.go(`/pages/calculator/calculator?subject_id=${subject}`)
    },
    goGrants() {
      nav.go('/pages/grants/grants')
    },
    goBind() {
      nav.go('/pages/me/me')
    },
    openPolicy() {
      nav.go(`/pages/policies/policies?q=${encodeURIComponent(this.data.item.policyTitle)}`)
    },
  },
})
