// 首页「我的政策」: 红利预期 (GET /me/summary) and the matched items (GET /me/matches), with a
// button that asks for push subscriptions from the tap.
const careBehavior = require('../../behaviors/care')
const freshBehavior = require('../../behaviors/fresh')
const api = require('../../utils/api')
const subscribe = require('../../utils/subscribe')
const badge = require('../../utils/badge')
const nav = require('../../utils/nav')
const fmt = require('../../utils/format')

const care = require('../../utils/care')

const PAGE_SIZE = 20 // care.pageSize(PAGE_SIZE) in 长辈版: fewer a screen
const SCENE = 'home'

// Field access for this page's answers: GET /me/summary and the cards of GET /me/matches.
function summaryView(answer) {
  const s = answer || {}
  return {
    year: s.year || '',
    total: fmt.yuan(s.expected_fen || 0),
    eligibleCount: s.eligible_count || 0,
    unknownCount: s.unknown_count || 0,
    claimed: s.claimed_count ? `${s.claimed_count} 项 ${fmt.yuan(s.claimed_fen || 0)}` : '',
    received: s.received_count ? `${s.received_count} 项 ${fmt.yuan(s.received_fen || 0)}` : '',
    subjectCount: s.subjects === undefined ? 1 : s.subjects,
  }
}

function matchView(card) {
  const item = card.item || {}
  const subject = card.subject || {}
  const acted = card.claim ? fmt.label(fmt.CLAIM_LABELS, card.claim.status) : card.grant ? fmt.label(fmt.GRANT_LABELS, card.grant.status) : ''
  return {
    key: `${subject.id}-${item.id}`,
    itemId: item.id,
    subjectId: subject.id,
    name: item.name,
    subjectName: subject.name || '',
    status: card.verdict,
    statusLabel: fmt.label(fmt.MATCH_LABELS, card.verdict),
    mode: fmt.label(fmt.MODE_LABELS, card.mode || item.mode),
    amount: card.amount_fen === null || card.amount_fen === undefined ? '' : `${fmt.yuan(card.amount_fen)}${fmt.label(fmt.PERIOD_SUFFIX, card.period)}`,
    reason: card.reason || '',
    acted,
    deadline: fmt.shanghaiTime(card.apply_until, false),
  }
}

Component({
  behaviors: [careBehavior, freshBehavior],
  data: {
    loading: true,
    error: '',
    summary: null,
    items: [],
    page: 1,
    hasMore: false,
    loadingMore: false,
    subscribeNote: '',
  },
  methods: {
    onLoad() {
      subscribe.prepare(SCENE).catch(() => null)
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      return this.loadMore()
    },
    load({ quiet = false } = {}) {
      this.setData({ loading: !quiet, error: '' })
      api
        .call('unreadCount', { silent: true })
        .then((answer) => badge.showUnread(answer.unread || 0))
        .catch(() => null)
      return Promise.all([api.call('summary'), api.page('matches', { query: { page: 1, page_size: care.pageSize(PAGE_SIZE) } })])
        .then(([summary, matches]) => {
          this.setData({
            loading: false,
            summary: summaryView(summary),
            items: matches.items.map(matchView),
            page: 1,
            hasMore: matches.hasMore,
          })
        })
        .catch((error) => this.setData({ loading: false, error: error.message }))
    },
    loadMore() {
      if (!this.data.hasMore || this.data.loadingMore) return Promise.resolve()
      const next = this.data.page + 1
      this.setData({ loadingMore: true })
      return api
        .page('matches', { query: { page: next, page_size: care.pageSize(PAGE_SIZE) } })
        .then((matches) => {
          this.setData({
            items: this.data.items.concat(matches.items.map(matchView)),
            page: next,
            hasMore: matches.hasMore,
            loadingMore: false,
          })
        })
        .catch(() => this.setData({ loadingMore: false }))
    },
    retry() {
      return this.load()
    },
    openItem(event) {
      const { id, subject } = event.currentTarget.dataset
      nav.go(`/pages/item/item?id=${id}&subject_id=${subject}`)
    },
    goBind() {
      nav.go('/pages/me/me')
    },
    goPolicies() {
      nav.go('/pages/policies/policies')
    },
    goGrants() {
      nav.go('/pages/grants/grants')
    },
    goClaims() {
      nav.go('/pages/claims/claims')
    },
    goAsk() {
      nav.go('/pages/ask/ask')
    },
    goCalculator() {
      nav.go('/pages/calculator/calculator')
    },
    askSubscribe() {
      return subscribe.ask(SCENE).then((outcome) => {
        const accepted = Object.keys(outcome.results || {}).filter((id) => outcome.results[id].indexOf('accept') === 0)
        if (outcome.notReady) return
        const done = accepted.length ? `已订阅 ${accepted.length} 项提醒` : '未订阅提醒，可随时再次开启'
        this.setData({ subscribeNote: outcome.left ? `${done}；还有 ${outcome.left} 组提醒，再点一次订阅` : done })
      })
    },
  },
})
