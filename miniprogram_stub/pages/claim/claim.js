// 申请详情: a claim with its timeline (GET /claims/{id}); withdraw while it is open, resubmit
// when it was returned, and ask for progress reminders from a tap.
const careBehavior = require('../../behaviors/care')
const api = require('../../utils/api')
const nav = require('../../utils/nav')
const fmt = require('../../utils/format')
const subscribe = require('../../utils/subscribe')

const SCENE = 'after_claim'
const WITHDRAWABLE = ['submitted', 'reviewing', 'returned']
const AWAITING_DEPARTMENT = ['submitted', 'reviewing'] // the promised working days run

// The steps still to come, by where the claim is now (the department's promised date on review).
const NEXT_STEPS = {
  submitted: ['部门受理审核', '审核通过', '资金发放'],
  reviewing: ['审核通过', '资金发放'],
  returned: ['您补正材料后重新提交', '部门审核', '资金发放'],
  approved: ['资金发放'],
}

function stepsToCome(claim) {
  const steps = NEXT_STEPS[claim.status] || []
  const due = AWAITING_DEPARTMENT.indexOf(claim.status) >= 0 ? fmt.lastDayBefore(claim.due_at) : ''
  return steps.map((name, index) => ({ key: `next-${index}`, name, by: index === 0 && due ? `最迟 ${due}` : '' }))
}

// Field access for GET /claims/{id} (ResidentClaim: form {applicant, facts, answers}, timeline).
function claimView(claim) {
  const money = (fen) => (fen === null || fen === undefined ? '' : fmt.yuan(fen))
  const form = claim.form || {}
  const applicant = form.applicant || {}
  return {
    id: claim.id,
    claimNo: claim.claim_no,
    itemId: claim.item_id,
    itemName: claim.item_name || '',
    subjectId: claim.subject_id,
    subjectName: applicant.name || '',
    district: applicant.district || '',
    facts: (form.facts || []).map((fact) => ({ label: fact.label, value: fact.value === null || fact.value === undefined ? '未知' : fact.value })),
    status: claim.status,
    statusLabel: claim.status_text || fmt.label(fmt.CLAIM_LABELS, claim.status),
    expected: money(claim.expected_fen),
    approved: money(claim.approved_fen),
    paid: money(claim.paid_fen),
    reason: claim.reason || '',
    submittedAt: fmt.shanghaiTime(claim.submitted_at),
    dueBy: AWAITING_DEPARTMENT.indexOf(claim.status) >= 0 ? fmt.lastDayBefore(claim.due_at) : '',
    paidAt: fmt.shanghaiTime(claim.paid_at),
    materials: (claim.materials || []).map((m) => ({ id: m.id, name: m.name, filename: m.filename })),
    timeline: (claim.timeline || []).map((event, index) => ({
      key: index,
      status: fmt.label(fmt.CLAIM_LABELS, event.to_status),
      note: event.note || '',
      at: fmt.shanghaiTime(event.created_at),
    })),
    upcoming: stepsToCome(claim),
    canWithdraw: WITHDRAWABLE.indexOf(claim.status) >= 0,
    canResubmit: claim.status === 'returned',
    canRate: !!claim.can_rate,
    rating: claim.rating ? { words: SCORES.find((s) => s.score === claim.rating.score).words, comment: claim.rating.comment || '' } : null,
  }
}

// 好差评: the five words of the government service rating, best first
const SCORES = [
  { score: 5, words: '非常满意' },
  { score: 4, words: '满意' },
  { score: 3, words: '基本满意' },
  { score: 2, words: '不满意' },
  { score: 1, words: '非常不满意' },
]

Component({
  behaviors: [careBehavior],
  data: { loading: true, error: '', claim: null, acting: false, subscribeNote: '', scores: SCORES, score: 0, comment: '', ratingError: '' },
  methods: {
    onLoad(query) {
      this.claimId = query && query.id
      subscribe.prepare(SCENE).catch(() => null)
      return this.load()
    },
    onShow() {
      if (this.data.claim) this.load()
    },
    load() {
      if (!this.claimId) {
        this.setData({ loading: false, error: '缺少申请编号' })
        return Promise.resolve()
      }
      this.setData({ loading: true, error: '' })
      return api
        .call('claim', { params: { claim_id: this.claimId } })
        .then((claim) => this.setData({ loading: false, claim: claimView(claim) }))
        .catch((error) => this.setData({ loading: false, error: error.message }))
    },
    confirm(content) {
      return new Promise((resolve) => {
        wx.showModal({ title: '请确认', content, success: (res) => resolve(!!res.confirm), fail: () => resolve(false) })
      })
    },
    withdraw() {
      if (this.data.acting) return Promise.resolve()
      return this.confirm('撤回后本次申请结束，如需办理需重新申请。确定撤回吗？').then((yes) => {
        if (!yes) return null
        this.setData({ acting: true })
        return api
          .call('withdrawClaim', { params: { claim_id: this.claimId } })
          .then((claim) => {
            this.setData({ acting: false, claim: claimView(claim) })
            wx.showToast({ title: '已撤回', icon: 'success' })
          })
          .catch(() => this.setData({ acting: false }))
      })
    },
    resubmit() {
      const claim = this.data.claim
      nav.go(`/pages/claim-form/claim-form?item_id=${claim.itemId}&subject_id=${claim.subjectId}&claim_id=${claim.id}`)
    },
    askSubscribe() {
      return subscribe.ask(SCENE).then((outcome) => {
        if (outcome.notReady) return
        const accepted = Object.keys(outcome.results || {}).filter((id) => outcome.results[id].indexOf('accept') === 0)
        this.setData({ subscribeNote: accepted.length ? '已订阅办理进度提醒' : '未订阅提醒' })
      })
    },
    pickScore(event) {
      this.setData({ score: Number(event.currentTarget.dataset.score), ratingError: '' })
    },
    onComment(event) {
      this.setData({ comment: event.detail.value })
    },
    rate() {
      if (this.data.acting) return Promise.resolve()
      if (!this.data.score) {
        this.setData({ ratingError: '请先选择满意程度' })
        return Promise.resolve()
      }
      const body = { score: this.data.score }
      if (this.data.comment.trim()) body.comment = this.data.comment.trim()
      this.setData({ acting: true, ratingError: '' })
      return api
        .call('rateClaim', { params: { claim_id: this.claimId }, body, silent: true })
        .then((claim) => {
          this.setData({ acting: false, claim: claimView(claim) })
          wx.showToast({ title: '感谢您的评价', icon: 'success' })
        })
        .catch((error) => this.setData({ acting: false, ratingError: error.message }))
    },
    openItem() {
      nav.go(`/pages/item/item?id=${this.data.claim.itemId}`)
    },
  },
})
