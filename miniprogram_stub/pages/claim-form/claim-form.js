// 申请确认: the item and the applicant as the profile fills them, the answers the resident adds,
// the materials (wx.chooseMessageFile → POST /claims/materials), and one tap to submit
// (POST /claims with a fresh Idempotency-Key per tap). A returned claim is resubmitted here too.
const careBehavior = require('../../behaviors/care')
const api = require('../../utils/api')
const media = require('../../utils/media')
const phone = require('../../utils/phone')
const nav = require('../../utils/nav')
const fmt = require('../../utils/format')
const subscribe = require('../../utils/subscribe')
const { fieldErrors } = require('../../utils/errors')

const SCENE = 'after_claim'
// What the resident answers on top of the profile (form: {name: text}).
const ANSWERS = [
  { name: 'phone', label: '联系电话', required: true, type: 'number', placeholder: '手机号或带区号的座机' },
  { name: 'note', label: '补充说明', required: false, type: 'text', placeholder: '选填' },
]

// Field access: the item (GET /items/{id}), my subjects (GET /me/subjects), an upload's answer.
function itemView(detail, subjectId) {
  const standing = (detail.mine || []).find((s) => s.subject_id === subjectId) || null
  const amount = standing && standing.amount
  return {
    id: detail.id,
    name: detail.name,
    benefit: detail.benefit || '',
    promisedDays: detail.promised_days || null,
    summary: (standing && standing.summary) || '',
    eligible: !!standing && standing.verdict === 'eligible',
    amount: amount && amount.fen !== null && amount.fen !== undefined ? `${fmt.yuan(amount.fen)}${fmt.label(fmt.PERIOD_SUFFIX, amount.period)}` : '',
    materials: (detail.materials || []).map((m) => ({
      name: m.name,
      required: m.required !== false,
      types: m.types || [],
      photo: !(m.types || []).length || (m.types || []).some((t) => ['jpg', 'jpeg', 'png'].indexOf(t) >= 0),
      file: !(m.types || []).length || (m.types || []).some((t) => ['jpg', 'jpeg', 'png'].indexOf(t) < 0),
      uploaded: null,
      uploading: false,
      progress: 0,
    })),
  }
}

function applicantView(subjects, subjectId) {
  const subject = (subjects || []).find((s) => s.subject_id === subjectId)
  if (!subject) return null
  return { name: subject.name, identifier: subject.identifier || '', kind: fmt.label(fmt.SUBJECT_TYPE_LABELS, subject.kind) }
}

function uploadedView(answer, file) {
  return { id: answer.id, filename: answer.filename || file.name }
}

function claimView(answer) {
  return { id: answer.id, claimNo: answer.claim_no || '', status: fmt.label(fmt.CLAIM_LABELS, answer.status) }
}

Component({
  behaviors: [careBehavior],
  data: {
    loading: true,
    error: '',
    item: null,
    applicant: null,
    answers: ANSWERS.map((a) => Object.assign({ value: '', error: '' }, a)),
    submitting: false,
    submitError: '',
    materialsError: '',
    done: null,
    subscribeNote: '',
    resubmitting: false,
    accountPhone: '', // masked
    useAccountPhone: false,
    phoneError: '',
  },
  methods: {
    onLoad(query) {
      this.itemId = Number(query.item_id)
      this.subjectId = Number(query.subject_id)
      this.claimId = query.claim_id ? Number(query.claim_id) : null
      this.setData({ resubmitting: !!this.claimId })
      subscribe.prepare(SCENE).catch(() => null)
      return this.load()
    },
    load() {
      if (!this.itemId || !this.subjectId) {
        this.setData({ loading: false, error: '缺少事项或申请人' })
        return Promise.resolve()
      }
      this.setData({ loading: true, error: '' })
      // my phone from WeChat, when I gave it: 联系电话 without typing (use_account_phone)
      const me = api.call('me', { silent: true }).catch(() => null)
      return Promise.all([api.call('item', { params: { item_id: this.itemId } }), api.call('subjects'), me])
        .then(([detail, subjects, account]) => {
          const applicant = applicantView(subjects, this.subjectId)
          if (!applicant) throw new Error('未绑定该申请人，请先在「我的」中绑定')
          const phone = (account && account.phone_masked) || ''
          this.setData({ loading: false, item: itemView(detail, this.subjectId), applicant, accountPhone: phone, useAccountPhone: !!phone })
        })
        .catch((error) => this.setData({ loading: false, error: error.message }))
    },
    // WeChat's getPhoneNumber button: the code goes to POST /me/phone; the claim then carries
    // use_account_phone and the backend fills 联系电话 with that number.
    onPhone(event) {
      this.setData({ phoneError: '' })
      return phone
        .fromButton(event, '未授权手机号，可直接填写')
        .then((masked) => this.setData({ accountPhone: masked, useAccountPhone: !!masked }))
        .catch((error) => this.setData({ phoneError: error.message }))
    },
    typePhone() {
      this.setData({ useAccountPhone: false })
    },
    onAnswer(event) {
      const index = Number(event.currentTarget.dataset.index)
      this.setData({ [`answers[${index}].value`]: event.detail.value, [`answers[${index}].error`]: '' })
    },
    // A photo of the material (an ID card, a licence): the camera or the album, compressed.
    choosePhoto(event) {
      const index = Number(event.currentTarget.dataset.index)
      return media
        .choosePhoto()
        .then((file) => this.uploadChosen(index, file))
        .catch((error) => this.setData({ materialsError: error.message }))
    },
    // A file from a chat (a PDF the resident was sent).
    chooseFile(event) {
      const index = Number(event.currentTarget.dataset.index)
      return media
        .chooseFile(this.data.item.materials[index].types)
        .then((file) => this.uploadChosen(index, file))
        .catch((error) => this.setData({ materialsError: error.message }))
    },
    uploadChosen(index, file) {
      if (!file) return null
      const material = this.data.item.materials[index]
      this.setData({ [`item.materials[${index}].uploading`]: true, [`item.materials[${index}].progress`]: 0, materialsError: '' })
      const onProgress = (percent) => this.setData({ [`item.materials[${index}].progress`]: percent })
      return api
        .uploadFile('uploadMaterial', { filePath: file.path, formData: { name: material.name }, onProgress })
        .then((answer) => {
          this.setData({
            [`item.materials[${index}].uploaded`]: uploadedView(answer, file),
            [`item.materials[${index}].uploading`]: false,
          })
        })
        .catch((error) => {
          this.setData({ [`item.materials[${index}].uploading`]: false, materialsError: error.message })
        })
    },
    form() {
      const form = {}
      this.data.answers.forEach((answer) => {
        if (answer.name === 'phone' && this.data.useAccountPhone) return
        if (String(answer.value).trim()) form[answer.name] = String(answer.value).trim()
      })
      return form
    },
    checkLocally() {
      let ok = true
      this.data.answers.forEach((answer, index) => {
        if (answer.name === 'phone' && this.data.useAccountPhone) return
        if (answer.required && !String(answer.value).trim()) {
          ok = false
          this.setData({ [`answers[${index}].error`]: `请填写${answer.label}` })
        }
      })
      const lacking = this.data.item.materials.filter((m) => m.required && !m.uploaded).map((m) => m.name)
      if (lacking.length) {
        ok = false
        this.setData({ materialsError: `请上传：${lacking.join('、')}` })
      }
      return ok
    },
    submit() {
      if (this.data.submitting || !this.checkLocally()) return Promise.resolve()
      const materialIds = this.data.item.materials.filter((m) => m.uploaded).map((m) => m.uploaded.id)
      this.setData({ submitting: true, submitError: '' })
      const sent = this.claimId
        ? api.call('resubmitClaim', { params: { claim_id: this.claimId }, body: { form: this.form(), material_ids: materialIds } })
        : api.call('submitClaim', {
            body: Object.assign(
              { item_id: this.itemId, subject_id: this.subjectId, form: this.form(), material_ids: materialIds },
              this.data.useAccountPhone ? { use_account_phone: true } : {},
            ),
            header: { 'Idempotency-Key': api.idempotencyKey() }, // one key per tap, kept by its retries
          })
      return sent
        .then((answer) => this.setData({ submitting: false, done: claimView(answer) }))
        .catch((error) => {
          const byField = fieldErrors(error)
          const answers = this.data.answers.map((a) => Object.assign({}, a, { error: byField[a.name] || '' }))
          this.setData({
            submitting: false,
            submitError: error.message,
            answers,
            materialsError: byField.material_ids || byField.file || '',
          })
        })
    },
    askSubscribe() {
      return subscribe.ask(SCENE).then((outcome) => {
        if (outcome.notReady) return
        const accepted = Object.keys(outcome.results || {}).filter((id) => outcome.results[id].indexOf('accept') === 0)
        this.setData({ subscribeNote: accepted.length ? '已订阅，办理进度将通过微信通知您' : '未订阅，可在「我的申请」中查看进度' })
      })
    },
    viewClaim() {
      wx.redirectTo({ url: `/pages/claim/claim?id=${this.data.done.id}` })
    },
    goBind() {
      nav.go('/pages/me/me')
    },
  },
})
