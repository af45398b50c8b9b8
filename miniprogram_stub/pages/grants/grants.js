// 免申即享: benefits granted without applying (GET /me/grants); the resident confirms or declines
// each one (POST /me/grants/{id}/confirm | decline) and may ask for payout reminders from a tap.
const careBehavior = require('../../behaviors/care')
const api = require('../../utils/api')
const consent = require('../../utils/consent')
const nav = require('../../utils/nav')
const fmt = require('../../utils/format')
const subscribe = require('../../utils/subscribe')
const { fieldErrors } = require('../../utils/errors')

const SCENE = 'grants'

const care = require('../../utils/care')

const PAGE_SIZE = 20 // care.pageSize(PAGE_SIZE) in 长辈版: fewer a screen

// Field access for a grant (ResidentGrant).
function grantView(grant) {
  return {
    id: grant.id,
    itemId: grant.item_id,
    itemName: grant.item_name || '',
    benefit: grant.benefit || '',
    status: grant.status,
    statusLabel: fmt.label(fmt.GRANT_LABELS, grant.status),
    amount: fmt.yuan(grant.amount_fen),
    account: grant.payout_account || '',
    needsAccount: !!grant.needs_account,
    grantedAt: fmt.shanghaiTime(grant.granted_at, false),
    paidAt: fmt.shanghaiTime(grant.paid_at, false),
    pending: grant.status === 'granted',
    bankCard: '',
    bankCardAgain: '',
    error: '',
  }
}

Component({
  behaviors: [careBehavior],
  data: { loading: true, error: '', grants: [], page: 1, hasMore: false, acting: null, subscribeNote: '', consented: {} },
  methods: {
    onLoad() {
      subscribe.prepare(SCENE).catch(() => null)
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    load() {
      this.setData({ loading: true, error: '' })
      // a bank card is asked only after its own consent (components/consent-sheet)
      const agreed = consent.current().catch(() => ({}))
      return api
        .page('grants', { query: { page: 1, page_size: care.pageSize(PAGE_SIZE) } })
        .then((answer) => agreed.then((consented) => this.setData({ loading: false, consented, grants: answer.items.map(grantView), page: 1, hasMore: answer.hasMore })))
        .catch((error) => this.setData({ loading: false, error: error.message }))
    },
    onConsent(event) {
      this.setData({ [`consented.${event.detail.purpose}`]: true })
    },
    onConsentDeclined() {
      wx.showToast({ title: '不提供银行卡号，将无法发放到账', icon: 'none' })
    },
    onReachBottom() {
      if (!this.data.hasMore) return Promise.resolve()
      const next = this.data.page + 1
      return api
        .page('grants', { query: { page: next, page_size: care.pageSize(PAGE_SIZE) } })
        .then((answer) => this.setData({ grants: this.data.grants.concat(answer.items.map(grantView)), page: next, hasMore: answer.hasMore }))
        .catch(() => null)
    },
    onBankCard(event) {
      const index = this.data.grants.findIndex((g) => g.id === event.currentTarget.dataset.id)
      const field = event.currentTarget.dataset.field || 'bankCard'
      this.setData({ [`grants[${index}].${field}`]: event.detail.value, [`grants[${index}].error`]: '' })
    },
    replace(grant) {
      const view = grantView(grant)
      this.setData({ acting: null, grants: this.data.grants.map((g) => (g.id === view.id ? view : g)) })
    },
    confirmGrant(event) {
      const id = event.currentTarget.dataset.id
      if (this.data.acting) return Promise.resolve()
      const index = this.data.grants.findIndex((g) => g.id === id)
      const grant = this.data.grants[index]
      const bankCard = grant.bankCard.replace(/\s+/g, '')
      if (grant.needsAccount && !bankCard) {
        this.setData({ [`grants[${index}].error`]: '请填写用于发放的本人银行卡号' })
        return Promise.resolve()
      }
      if (grant.needsAccount && bankCard !== (grant.bankCardAgain || '').replace(/\s+/g, '')) {
        this.setData({ [`grants[${index}].error`]: '两次输入的银行卡号不一致，请核对' })
        return Promise.resolve()
      }
      this.setData({ acting: id })
      return api
        .call('confirmGrant', { params: { grant_id: id }, body: bankCard ? { bank_card: bankCard } : {} })
        .then((answer) => {
          this.replace(answer)
          wx.showToast({ title: '已确认', icon: 'success' })
        })
        .catch((error) => this.setData({ acting: null, [`grants[${index}].error`]: fieldErrors(error).bank_card || error.message }))
    },
    declineGrant(event) {
      const id = event.currentTarget.dataset.id
      if (this.data.acting) return Promise.resolve()
      return new Promise((resolve) => {
        wx.showModal({
          title: '放弃这项待遇？',
          content: '放弃后将不再发放，如需恢复请联系主管部门。',
          success: (res) => resolve(!!res.confirm),
          fail: () => resolve(false),
        })
      }).then((yes) => {
        if (!yes) return null
        this.setData({ acting: id })
        return api
          .call('declineGrant', { params: { grant_id: id } })
          .then((grant) => this.replace(grant))
          .catch(() => this.setData({ acting: null }))
      })
    },
    askSubscribe() {
      return subscribe.ask(SCENE).then((outcome) => {
        if (outcome.notReady) return
        const accepted = Object.keys(outcome.results || {}).filter((id) => outcome.results[id].indexOf('accept') === 0)
        this.setData({ subscribeNote: accepted.length ? '已订阅到账提醒' : '未订阅提醒' })
      })
    },
    openItem(event) {
      nav.go(`/pages/item/item?id=${event.currentTarget.dataset.item}`)
    },
    goHome() {
      nav.go('/pages/index/index')
    },
  },
})
