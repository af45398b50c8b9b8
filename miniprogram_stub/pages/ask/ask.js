// 智能咨询: ask in your own words (POST /ask); the answer cites the items it rests on (cards that
// open the item page, the policy's clause quoted), says what it evaluated on what you said or on
// your own profile, and takes 有用 / 没用. When nothing answers, it says so, offers the hotline to
// call and a way to leave the question for staff (POST /ask/{id}/feedback).
const careBehavior = require('../../behaviors/care')
const api = require('../../utils/api')
const nav = require('../../utils/nav')
const fmt = require('../../utils/format')

const SUGGESTED = [
  '我爸今年九十一了每个月能拿多少',
  '残疾证二级的护理补贴要带什么',
  '公司去年没裁人社保那边有钱返吗',
  '灵活就业交社保有补贴吗',
  '本科毕业来聊城上班有生活补贴吗',
]
const MODE_WORDS = { auto_grant: '免申即享', one_tap: '一键办理', guide: '办理指引' }
const VERDICT_WORDS = { eligible: '符合', unknown: '还需确认', ineligible: '暂不符合' }
const PERIOD_WORDS = { monthly: '每月', yearly: '每年', once: '一次性' }

// An item on my profile (item.mine, logged in): "按王**的档案：符合，每月200元".
function mineText(mine) {
  if (!mine) return ''
  const amount = mine.amount && mine.amount.fen !== null && mine.amount.fen !== undefined
    ? `，${PERIOD_WORDS[mine.amount.period] || ''}${fmt.yuan(mine.amount.fen)}`
    : ''
  return `按${mine.subject_name || '您'}的档案：${VERDICT_WORDS[mine.verdict] || mine.verdict}${mine.verdict === 'ineligible' ? '' : amount}`
}

// Field access for POST /ask's answer.
function answerView(answer) {
  return {
    id: answer.id,
    answered: !!answer.answered,
    text: answer.answer || '',
    hotline: answer.hotline || '12345',
    items: (answer.items || []).map((item) => ({
      id: item.id,
      name: item.name,
      mode: MODE_WORDS[item.mode] || '',
      department: item.department || '',
      source: `${item.policy_title || ''}${item.doc_number ? ` ${item.doc_number}` : ''}`,
      clause: item.clause || '',
      mine: mineText(item.mine),
    })),
    facts: (answer.facts || []).map((fact) => `${fact.label}：${fact.value}`),
  }
}

Component({
  behaviors: [careBehavior],
  data: {
    suggested: SUGGESTED,
    question: '',
    asking: false,
    error: '',
    answer: null,
    rated: '',
    comment: '',
    left: false,
  },
  methods: {
    onLoad(query) {
      if (query && query.q) return this.ask(decodeURIComponent(query.q))
      return null
    },
    onInput(event) {
      this.setData({ question: event.detail.value, error: '' })
    },
    pick(event) {
      return this.ask(event.currentTarget.dataset.q)
    },
    submit() {
      return this.ask(this.data.question)
    },
    ask(text) {
      const question = String(text || '').trim()
      if (!question) {
        this.setData({ error: '请输入您的问题' })
        return Promise.resolve()
      }
      if (this.data.asking) return Promise.resolve()
      this.setData({ question, asking: true, error: '', answer: null, rated: '', left: false, comment: '' })
      return api
        .call('ask', { body: { question }, silent: true })
        .then((answer) => this.setData({ asking: false, answer: answerView(answer) }))
        .catch((error) => this.setData({ asking: false, error: error.message }))
    },
    openItem(event) {
      nav.go(`/pages/item/item?id=${event.currentTarget.dataset.id}`)
    },
    rate(event) {
      const useful = event.currentTarget.dataset.useful === 'yes'
      this.setData({ rated: useful ? '感谢反馈' : '已记录，我们会改进答复' })
      return api.call('askFeedback', { params: { question_id: this.data.answer.id }, body: { useful }, silent: true }).catch(() => null)
    },
    call() {
      wx.makePhoneCall({ phoneNumber: '12345' })
    },
    onComment(event) {
      this.setData({ comment: event.detail.value })
    },
    leave() {
      const comment = this.data.comment.trim() || this.data.question
      return api
        .call('askFeedback', { params: { question_id: this.data.answer.id }, body: { comment }, silent: true })
        .then(() => this.setData({ left: true }))
        .catch((error) => this.setData({ error: error.message }))
    },
  },
})
