// 消息: my inbox, newest first (GET /me/messages, paginated), the unread count, reading one
// (POST /me/messages/{id}/read, then its page opens) or all (POST /me/messages/read-all).
const careBehavior = require('../../behaviors/care')
const api = require('../../utils/api')
const badge = require('../../utils/badge')
const nav = require('../../utils/nav')
const fmt = require('../../utils/format')

const care = require('../../utils/care')

const PAGE_SIZE = 20 // care.pageSize(PAGE_SIZE) in 长辈版: fewer a screen
const PUSH_WORDS = { waiting: '未推送：需订阅此类提醒', failed: '微信推送失败', expired: '已过期未推送' }

// Field access for a message.
function messageView(message) {
  return {
    id: message.id,
    title: message.title,
    body: message.body || '',
    page: message.page || '',
    read: !!message.read,
    at: fmt.shanghaiTime(message.created_at),
    push: PUSH_WORDS[message.push] || '',
  }
}

Component({
  behaviors: [careBehavior],
  data: { loading: true, error: '', messages: [], unread: 0, page: 1, hasMore: false },
  methods: {
    onLoad() {
      return this.load()
    },
    onShow() {
      if (!this.data.loading) this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      return this.more()
    },
    load() {
      this.setData({ loading: true, error: '' })
      return Promise.all([
        api.page('messages', { query: { page: 1, page_size: care.pageSize(PAGE_SIZE) } }),
        api.call('unreadCount', { silent: true }).catch(() => null),
      ])
        .then(([answer, unread]) => {
          const count = unread ? unread.unread || 0 : 0
          badge.showUnread(count)
          this.setData({
            loading: false,
            messages: answer.items.map(messageView),
            unread: count,
            page: 1,
            hasMore: answer.hasMore,
          })
        })
        .catch((error) => this.setData({ loading: false, error: error.message }))
    },
    more() {
      if (!this.data.hasMore) return Promise.resolve()
      const next = this.data.page + 1
      return api
        .page('messages', { query: { page: next, page_size: care.pageSize(PAGE_SIZE) } })
        .then((answer) => this.setData({ messages: this.data.messages.concat(answer.items.map(messageView)), page: next, hasMore: answer.hasMore }))
        .catch(() => null)
    },
    open(event) {
      const index = Number(event.currentTarget.dataset.index)
      const message = this.data.messages[index]
      const reading = message.read
        ? Promise.resolve()
        : api
            .call('readMessage', { params: { message_id: message.id }, silent: true })
            .then(() => {
              const unread = Math.max(0, this.data.unread - 1)
              badge.showUnread(unread)
              this.setData({ [`messages[${index}].read`]: true, unread })
            })
            .catch(() => null)
      return reading.then(() => {
        if (message.page) nav.go(message.page)
      })
    },
    readAll() {
      return api
        .call('readAllMessages')
        .then(() => {
          badge.showUnread(0)
          this.setData({ unread: 0, messages: this.data.messages.map((m) => Object.assign({}, m, { read: true })) })
        })
        .catch(() => null)
    },
  },
})
