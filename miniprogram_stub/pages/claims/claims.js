// 我的申请: my claims, newest first (GET /claims, paginated).
const careBehavior = require('../../behaviors/care')
const api = require('../../utils/api')
const nav = require('../../utils/nav')
const fmt = require('../../utils/format')

const care = require('../../utils/care')

const PAGE_SIZE = 20 // care.pageSize(PAGE_SIZE) in 长辈版: fewer a screen

// Field access for a claim in the list (ResidentClaimSummary).
function claimView(claim) {
  return {
    id: claim.id,
    claimNo: claim.claim_no,
    itemName: claim.item_name || '',
    status: claim.status,
    statusLabel: claim.status_text || fmt.label(fmt.CLAIM_LABELS, claim.status),
    amount: fmt.yuan(claim.paid_fen !== null && claim.paid_fen !== undefined ? claim.paid_fen : claim.approved_fen !== null && claim.approved_fen !== undefined ? claim.approved_fen : claim.expected_fen),
    submittedAt: fmt.shanghaiTime(claim.submitted_at),
  }
}

Component({
  behaviors: [careBehavior],
  data: { loading: true, error: '', claims: [], page: 1, hasMore: false },
  methods: {
    onLoad() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      return this.more()
    },
    load() {
      this.setData({ loading: true, error: '' })
      return api
        .page('claims', { query: { page: 1, page_size: care.pageSize(PAGE_SIZE) } })
        .then((answer) => this.setData({ loading: false, claims: answer.items.map(claimView), page: 1, hasMore: answer.hasMore }))
        .catch((error) => this.setData({ loading: false, error: error.message }))
    },
    more() {
      if (!this.data.hasMore) return Promise.resolve()
      const next = this.data.page + 1
      return api
        .page('claims', { query: { page: next, page_size: care.pageSize(PAGE_SIZE) } })
        .then((answer) => this.setData({ claims: this.data.claims.concat(answer.items.map(claimView)), page: next, hasMore: answer.hasMore }))
        .catch(() => null)
    },
    open(event) {
      nav.go(`/pages/claim/claim?id=${event.currentTarget.dataset.id}`)
    },
    goHome() {
      nav.go('/pages/index/index')
    },
  },
})
