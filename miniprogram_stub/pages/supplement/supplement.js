// 补充信息: the item cannot decide without a fact my profile lacks (待补充信息); I give it with a
// photo or a file that proves it (POST /claims/materials, then POST /me/supplements), and the
// item's department reviews it. On approval the fact enters my profile and the item is decided.
// One fact a declaration (each with its own proof); the page lists what is still missing.
const careBehavior = require('../../behaviors/care')
const api = require('../../utils/api')
const media = require('../../utils/media')
const fmt = require('../../utils/format')
const subscribe = require('../../utils/subscribe')
const { fieldErrors } = require('../../utils/errors')

// the department's decision comes as an 办事进度通知 (and an approval may bring new items)
const SCENE = 'supplement'

const INPUTS = { integer: 'number', year: 'number', decimal: 'digit', percent: 'digit', money: 'digit' }
const STATUS_WORDS = { pending: '已提交，等待部门审核', approved: '已通过，已记入档案', rejected: '未通过' }

// Field access: a missing fact (standing.missing) with its type and choices (GET /facts).
function factView(missing, catalog) {
  const fact = catalog.find((f) => f.key === missing.fact) || {}
  const choices = (fact.choices && fact.choices.length ? fact.choices : fact.codes) || []
  return {
    key: missing.fact,
    label: missing.label || fact.label || missing.fact,
    type: fact.type || 'text',
    unit: fact.type === 'money' ? '元' : fact.unit || '',
    description: fact.description || '',
    input: INPUTS[fact.type] || 'text',
    choiceLabels: choices.map((c) => c.label),
    choiceValues: choices.map((c) => c.value),
  }
}

// What the API takes for a typed value (money in 元 → fen; numbers as numbers).
function valueOf(fact, form) {
  if (fact.type === 'boolean') return form.boolean
  if (fact.choiceValues.length) {
    const picked = fact.choiceValues[form.choiceIndex]
    return fact.type === 'tags' ? [picked] : picked
  }
  const text = String(form.text || '').trim()
  if (!text) return undefined
  if (fact.type === 'money') return Math.round(Number(text) * 100)
  if (['integer', 'year', 'decimal', 'percent'].indexOf(fact.type) >= 0) return Number(text)
  return text
}

const EMPTY = { boolean: null, choiceIndex: -1, text: '', note: '' }

Component({
  behaviors: [careBehavior],
  data: {
    loading: true,
    error: '',
    itemName: '',
    department: '',
    facts: [],
    current: 0,
    form: Object.assign({}, EMPTY),
    material: null,
    uploading: false,
    progress: 0,
    errors: {},
    submitError: '',
    submitting: false,
    declared: [],
    justDeclared: false,
    subscribeNote: '',
  },
  methods: {
    onLoad(query) {
      this.itemId = Number(query.item_id)
      this.subjectId = Number(query.subject_id)
      subscribe.prepare(SCENE).catch(() => null)
      return this.load()
    },
    load() {
      this.setData({ loading: true, error: '' })
      return api
        .call('item', { params: { item_id: this.itemId } })
        .then((detail) => {
          const standing = (detail.mine || []).find((s) => s.subject_id === this.subjectId)
          if (!standing) throw new Error('未绑定该办事主体，请先在「我的」中绑定')
          return api.call('facts', { query: { subject_type: detail.subject_type } }).then((catalog) => {
            const waiting = (standing.supplements || []).filter((s) => s.status === 'pending').map((s) => s.fact)
            const facts = (standing.missing || []).filter((m) => waiting.indexOf(m.fact) < 0).map((m) => factView(m, catalog))
            this.setData({
              loading: false,
              itemName: detail.name,
              department: (detail.department && detail.department.name) || '办理部门',
              facts,
              current: 0,
              declared: (standing.supplements || []).map((s) => ({ id: s.id, reference: s.reference || '', label: (standing.missing.find((m) => m.fact === s.fact) || {}).label || s.fact, status: STATUS_WORDS[s.status] || s.status, reason: s.reason || '' })),
            })
          })
        })
        .catch((error) => this.setData({ loading: false, error: error.message }))
    },
    pickFact(event) {
      this.setData({ current: Number(event.detail.value), form: Object.assign({}, EMPTY), errors: {}, material: null })
    },
    setBoolean(event) {
      this.setData({ 'form.boolean': event.currentTarget.dataset.value === 'yes', errors: {} })
    },
    pickChoice(event) {
      this.setData({ 'form.choiceIndex': Number(event.detail.value), errors: {} })
    },
    onText(event) {
      this.setData({ [`form.${event.currentTarget.dataset.field}`]: event.detail.value, errors: {} })
    },
    choosePhoto() {
      return media.choosePhoto().then((file) => this.upload(file)).catch((error) => this.setData({ 'errors.material_ids': error.message }))
    },
    chooseFile() {
      return media.chooseFile().then((file) => this.upload(file)).catch((error) => this.setData({ 'errors.material_ids': error.message }))
    },
    upload(file) {
      if (!file) return null
      this.setData({ uploading: true, progress: 0, 'errors.material_ids': '' })
      const onProgress = (percent) => this.setData({ progress: percent })
      return api
        .uploadFile('uploadMaterial', { filePath: file.path, formData: { name: '证明材料' }, onProgress })
        .then((answer) => this.setData({ uploading: false, material: { id: answer.id, filename: answer.filename || file.name } }))
        .catch((error) => this.setData({ uploading: false, 'errors.material_ids': error.message }))
    },
    submit() {
      if (this.data.submitting) return Promise.resolve()
      const fact = this.data.facts[this.data.current]
      const value = valueOf(fact, this.data.form)
      const errors = {}
      if (value === undefined || value === null || (typeof value === 'number' && Number.isNaN(value))) errors.value = `请填写${fact.label}`
      if (!this.data.material) errors.material_ids = '请拍照或选择证明材料'
      if (Object.keys(errors).length) {
        this.setData({ errors })
        return Promise.resolve()
      }
      this.setData({ submitting: true, submitError: '', errors: {} })
      const body = { subject_id: this.subjectId, item_id: this.itemId, fact: fact.key, value, material_ids: [this.data.material.id] }
      if (this.data.form.note.trim()) body.note = this.data.form.note.trim()
      return api
        .call('declareFact', { body })
        .then(() => {
          this.setData({ submitting: false, form: Object.assign({}, EMPTY), material: null, justDeclared: true, subscribeNote: '' })
          wx.showToast({ title: '已提交审核', icon: 'success' })
          return this.load()
        })
        .catch((error) => this.setData({ submitting: false, submitError: error.message, errors: fieldErrors(error) }))
    },
    askSubscribe() {
      return subscribe.ask(SCENE).then((outcome) => {
        if (outcome.notReady) return
        const accepted = Object.keys(outcome.results || {}).filter((id) => outcome.results[id].indexOf('accept') === 0)
        this.setData({ subscribeNote: accepted.length ? '已订阅，审核结果将通过微信通知您' : '未订阅，可回到本页查看审核结果' })
      })
    },
    back() {
      wx.navigateBack()
    },
  },
})
