// 隐私保护指引 and 我的授权: the guide as the API serves it (GET /privacy, versioned), and each
// consent I gave with its version and time, which I may withdraw (DELETE /me/consents/{purpose}).
const careBehavior = require('../../behaviors/care')
const auth = require('../../utils/auth')
const consent = require('../../utils/consent')
const api = require('../../utils/api')
const fmt = require('../../utils/format')

// Field access for GET /me/consents, with the texts' titles.
function consentView(row, texts) {
  const text = texts.consents.find((c) => c.purpose === row.purpose) || {}
  return {
    purpose: row.purpose,
    title: text.title || row.purpose,
    current: !!row.current,
    state: row.current ? `已同意（${row.version} 版，${fmt.shanghaiTime(row.granted_at)}）` : row.withdrawn_at ? `已撤回（${fmt.shanghaiTime(row.withdrawn_at)}）` : '未同意',
    // the privacy guide itself is withdrawn in WeChat's settings or by deleting the account
    withdrawable: !!row.current && row.purpose !== 'privacy',
  }
}

Component({
  behaviors: [careBehavior],
  data: { loading: true, error: '', guide: null, consents: [], loggedIn: false },
  methods: {
    onLoad() {
      return this.load()
    },
    load() {
      this.setData({ loading: true, error: '' })
      const loggedIn = !auth.isLoggedOut()
      return consent
        .loadTexts()
        .then((texts) =>
          (loggedIn ? api.call('consents') : Promise.resolve([])).then((rows) =>
            this.setData({ loading: false, loggedIn, guide: texts.guide, consents: rows.map((row) => consentView(row, texts)) }),
          ),
        )
        .catch((error) => this.setData({ loading: false, error: error.message }))
    },
    withdraw(event) {
      const purpose = event.currentTarget.dataset.purpose
      const row = this.data.consents.find((c) => c.purpose === purpose)
      return new Promise((resolve) => {
        wx.showModal({
          title: `撤回对《${row.title}》的同意？`,
          content: '撤回后不再收集这项信息；已绑定的身份、已填写的收款账户不受影响，再次使用时会重新征求您的同意。',
          success: (res) => resolve(!!res.confirm),
          fail: () => resolve(false),
        })
      }).then((yes) => {
        if (!yes) return null
        return consent
          .withdraw(purpose)
          .then(() => this.load())
          .catch(() => null)
      })
    },
    openWeChatGuide() {
      if (typeof wx.openPrivacyContract === 'function') wx.openPrivacyContract({})
    },
  },
})
