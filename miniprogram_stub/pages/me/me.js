// 我的: the identities bound to me (GET /me), binding one (POST /me/subjects) or unbinding
// (DELETE /me/subjects/{id}), the phone number through WeChat's getPhoneNumber button
// (POST /me/phone {code}), subscribe reminders from a tap, and logging out.
const careBehavior = require('../../behaviors/care')
const freshBehavior = require('../../behaviors/fresh')
const care = require('../../utils/care')
const api = require('../../utils/api')
const consent = require('../../utils/consent')
const phone = require('../../utils/phone')
const auth = require('../../utils/auth')
const nav = require('../../utils/nav')
const fmt = require('../../utils/format')
const subscribe = require('../../utils/subscribe')
const { fieldErrors } = require('../../utils/errors')

const SCENE = 'home'
const RELATIONS = [['legal_representative', '法定代表人'], ['agent', '委托代理人']]
const RELATION_WORDS = { self: '本人', legal_representative: '法定代表人', agent: '委托代理人' }
const EMPTY_FORM = { kind: 'person', name: '', id_number: '', uscc: '', relationIndex: 0, rep_name: '', rep_id_number: '' }

// Field access for GET /me and the bound subjects.
function subjectView(subject) {
  return {
    id: subject.subject_id,
    kind: fmt.label(fmt.SUBJECT_TYPE_LABELS, subject.kind),
    name: subject.name,
    identifier: subject.identifier || '',
    relation: RELATION_WORDS[subject.relation] || '',
  }
}

function meView(me) {
  return { phone: me.phone_masked || '', subjects: (me.subjects || []).map(subjectView) }
}

// The bind form → the request body.
function bindBody(form) {
  if (form.kind === 'person') return { kind: 'person', name: form.name.trim(), id_number: form.id_number.trim() }
  return {
    kind: 'enterprise',
    uscc: form.uscc.trim(),
    relation: RELATIONS[form.relationIndex][0],
    representative: { name: form.rep_name.trim(), id_number: form.rep_id_number.trim() },
  }
}

Component({
  behaviors: [careBehavior, freshBehavior],
  data: {
    loading: true,
    error: '',
    me: null,
    binding: false,
    form: Object.assign({}, EMPTY_FORM),
    formErrors: {},
    bindError: '',
    saving: false,
    relationLabels: RELATIONS.map((pair) => pair[1]),
    phoneError: '',
    subscribeNote: '',
    consented: {},
    consentChecked: false,
  },
  methods: {
    onLoad() {
      subscribe.prepare(SCENE).catch(() => null)
      return this.load()
    },
    load({ quiet = false } = {}) {
      if (auth.isLoggedOut()) {
        this.setData({ loading: false, loggedOut: true, error: '' })
        return Promise.resolve()
      }
      this.setData({ loading: !quiet, error: '', loggedOut: false })
      return api
        .call('me')
        .then((me) => this.setData({ loading: false, me: meView(me) }))
        .catch((error) => this.setData({ loading: false, error: error.message }))
    },
    openBind() {
      this.setData({ binding: true, form: Object.assign({}, EMPTY_FORM), formErrors: {}, bindError: '', consentChecked: false })
      // the 身份证号 is asked only after its own consent (components/consent-sheet)
      return consent
        .current()
        .then((agreed) => this.setData({ consented: agreed, consentChecked: true }))
        .catch((error) => this.setData({ bindError: error.message, consentChecked: true }))
    },
    onConsent(event) {
      this.setData({ [`consented.${event.detail.purpose}`]: true })
    },
    cancelBind() {
      this.setData({ binding: false })
    },
    setKind(event) {
      this.setData({ 'form.kind': event.currentTarget.dataset.kind, formErrors: {} })
    },
    onInput(event) {
      this.setData({ [`form.${event.currentTarget.dataset.field}`]: event.detail.value })
    },
    onRelation(event) {
      this.setData({ 'form.relationIndex': Number(event.detail.value) })
    },
    bind() {
      if (this.data.saving) return Promise.resolve()
      this.setData({ saving: true, bindError: '', formErrors: {} })
      return api
        .call('bindSubject', { body: bindBody(this.data.form) })
        .then(() => {
          this.setData({ saving: false, binding: false })
          wx.showToast({ title: '绑定成功', icon: 'success' })
          return this.load()
        })
        .catch((error) => this.setData({ saving: false, bindError: error.message, formErrors: fieldErrors(error) }))
    },
    unbind(event) {
      const id = event.currentTarget.dataset.id
      return new Promise((resolve) => {
        wx.showModal({
          title: '解除绑定？',
          content: '解除后将不再为该身份匹配政策和推送提醒。',
          success: (res) => resolve(!!res.confirm),
          fail: () => resolve(false),
        })
      }).then((yes) => {
        if (!yes) return null
        return api
          .call('unbindSubject', { params: { subject_id: id } })
          .then(() => this.load())
          .catch(() => null)
      })
    },
    onPhone(event) {
      this.setData({ phoneError: '' })
      return phone
        .fromButton(event)
        .then((masked) => this.setData({ 'me.phone': masked }))
        .catch((error) => this.setData({ phoneError: error.message }))
    },
    openPrivacy() {
      wx.navigateTo({ url: '/pages/privacy/privacy' })
    },
    askSubscribe() {
      return subscribe.ask(SCENE).then((outcome) => {
        if (outcome.notReady) return
        const accepted = Object.keys(outcome.results || {}).filter((id) => outcome.results[id].indexOf('accept') === 0)
        this.setData({ subscribeNote: accepted.length ? `已订阅 ${accepted.length} 项提醒` : '未订阅提醒' })
      })
    },
    logIn() {
      return auth
        .logIn()
        .then(() => this.load())
        .catch((error) => this.setData({ error: error.message }))
    },
    logout() {
      const saved = auth.tokens()
      const done = () => {
        auth.logOut() // and nothing logs in again until 登录 is tapped here
        this.setData({ loggedOut: true })
      }
      if (!saved || !saved.refresh_token) return Promise.resolve(done())
      return api
        .call('logout', { body: { refresh_token: saved.refresh_token }, silent: true })
        .catch(() => null)
        .then(done)
    },
    // 注销账号: asked twice in words an 80-year-old can weigh; then nothing of the account is left
    // to log in with (a new login is a new account).
    deleteAccount() {
      return new Promise((resolve) => {
        wx.showModal({
          title: '注销账号？',
          content: '注销后，您的手机号、绑定的身份和消息订阅将被清除，不能恢复；已提交的申请和已发放的待遇按规定保留。',
          confirmText: '确认注销',
          confirmColor: '#c8161d',
          success: (res) => resolve(!!res.confirm),
          fail: () => resolve(false),
        })
      }).then((yes) => {
        if (!yes) return null
        return api
          .call('deleteMe')
          .then(() => {
            auth.logOut()
            this.setData({ loggedOut: true, deleted: true })
          })
          .catch(() => null)
      })
    },
    // 长辈版: larger type, fewer items a screen; every page takes it when opened again.
    toggleCare(event) {
      care.set(!!event.detail.value)
      this.setData({ care: care.isOn() })
      wx.reLaunch({ url: '/pages/me/me' })
    },
    go(event) {
      nav.go(event.currentTarget.dataset.url)
    },
  },
})
