// 免申即享: benefits granted without applying (GET /me/grants); the resident confirms or declines
// each one (POST /me/grants/{id}/confirm | decline) and may ask for payout reminders from a tap.
const api = require('../../utils/api')
const nav = require('../../utils/nav')
const fmt = require('../../utils/format')
const subscribe = require('../../utils/subscribe')

const SCENE = 'grants'

// Field access for a grant.
function grantView(grant) {
  const item = grant.item || {}
  return {
    id: grant.id,
    itemId: item.id || grant.item_id,
    itemName: item.name || grant.item_name || '',
    subjectName: (grant.subject && grant.subject.name) || '',
    status: grant.status,
    statusLabel: fmt.label(fmt.GRANT_LABELS, grant.status),
    amount: fmt.yuan(grant.amount_fen),
    grantedAt: fmt.shanghaiTime(grant.granted_at, false),
    paidAt: fmt.shanghaiTime(grant.paid_at, false),
    pending: grant.status === 'granted',
  }
}

function listOf(answer) {
  return Array.isArray(answer) ? answer : (answer && answer.items) || []
}

Component({
  data: { loading: true, error: '', grants: [], acting: null, subscribeNote: '' },
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
      return api
        .call('grants')
        .then((answer) => this.setData({ loading: false, grants: listOf(answer).map(grantView) }))
        .catch((error) => this.setData({ loading: false, error: error.message }))
    },
    replace(grant) {
      const view = grantView(grant)
      this.setData({ acting: null, grants: this.data.grants.map((g) => (g.id === view.id ? view : g)) })
    },
    confirmGrant(event) {
      const id = event.currentTarget.dataset.id
      if (this.data.acting) return Promise.resolve()
      this.setData({ acting: id })
      return api
        .call('confirmGrant', { params: { grant_id: id } })
        .then((grant) => {
          this.replace(grant)
          wx.showToast({ title: '已确认', icon: 'success' })
        })
        .catch(() => this.setData({ acting: null }))
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
