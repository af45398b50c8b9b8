// 政策计算器: every live item's verdict and amount for facts typed in ("假如我是…"), or for one of my
// subjects with what-if changes (POST /calculator {subject_type, facts} or {subject_id, overrides}).
const careBehavior = require('../../behaviors/care')
const api = require('../../utils/api')
const nav = require('../../utils/nav')
const fmt = require('../../utils/format')
const { fieldErrors } = require('../../utils/errors')

// 聊城's districts (GB/T 2260, docs reference-data): picked by name, sent as codes.
const DISTRICTS = [
  { code: '371502', name: '东昌府区' },
  { code: '371503', name: '茌平区' },
  { code: '371521', name: '阳谷县' },
  { code: '371522', name: '莘县' },
  { code: '371524', name: '东阿县' },
  { code: '371525', name: '冠县' },
  { code: '371526', name: '高唐县' },
  { code: '371581', name: '临清市' },
]
const DISTRICT_NAMES = DISTRICTS.map((d) => d.name)

// The facts the form offers (names from the backend's facts catalog); money is typed in 元.
const FIELDS = {
  person: [
    { name: 'age', label: '年龄（周岁）', type: 'integer' },
    { name: 'hukou_district', label: '户籍所在县（市、区）', type: 'district' },
    { name: 'household_size', label: '家庭人口', type: 'integer' },
    { name: 'household_income_fen', label: '家庭年收入（元）', type: 'money' },
    { name: 'social_insurance_months', label: '参保月数', type: 'integer' },
    { name: 'veteran', label: '退役军人', type: 'boolean' },
  ],
  enterprise: [
    { name: 'registered_district', label: '注册地县（市、区）', type: 'district' },
    { name: 'employees', label: '从业人数', type: 'integer' },
    { name: 'revenue_fen', label: '上年营业收入（元）', type: 'money' },
    { name: 'tax_paid_fen', label: '上年纳税额（元）', type: 'money' },
  ],
}

function fieldsFor(kind, values, errors) {
  return FIELDS[kind].map((field) => {
    const value = values[field.name] === undefined ? '' : values[field.name]
    const index = field.type === 'district' ? DISTRICTS.findIndex((d) => d.code === value) : -1
    return Object.assign({}, field, { value, error: errors[field.name] || '', districtIndex: index, districtName: index >= 0 ? DISTRICTS[index].name : '' })
  })
}

// What the form holds → facts for the API (empty fields are left out).
function factsFrom(kind, values) {
  const facts = {}
  FIELDS[kind].forEach((field) => {
    const raw = values[field.name]
    if (raw === undefined || raw === '' || raw === null) return
    if (field.type === 'boolean') facts[field.name] = !!raw
    else if (field.type === 'integer') facts[field.name] = Number(raw)
    else if (field.type === 'money') facts[field.name] = Math.round(Number(raw) * 100)
    else facts[field.name] = String(raw).trim()
  })
  return facts
}

// Field access for the answer.
function resultView(answer) {
  return {
    total: fmt.yuan(answer.total_fen || 0),
    possible: answer.possible_fen ? fmt.yuan(answer.possible_fen) : '',
    eligibleCount: answer.eligible_count || 0,
    unknownCount: answer.unknown_count || 0,
    items: (answer.items || []).map((row) => ({
      id: row.item.id,
      name: row.item.name,
      mode: fmt.label(fmt.MODE_LABELS, row.item.mode),
      verdict: row.verdict,
      verdictLabel: fmt.label(fmt.MATCH_LABELS, row.verdict),
      summary: row.summary || '',
      nearMiss: row.near_miss || '',
      missing: (row.missing || []).map((fact) => fact.label || fact.fact).join('、'),
      amount: row.amount && row.amount.fen !== null && row.amount.fen !== undefined ? `${fmt.yuan(row.amount.fen)}${fmt.label(fmt.PERIOD_SUFFIX, row.amount.period)}` : '',
      trace: (row.amount && row.amount.trace) || [],
      changed: row.baseline_verdict && row.baseline_verdict !== row.verdict ? `原为${fmt.label(fmt.MATCH_LABELS, row.baseline_verdict)}` : '',
    })),
  }
}

function subjectView(subject) {
  return { id: subject.subject_id, kind: subject.kind, label: `${fmt.label(fmt.SUBJECT_TYPE_LABELS, subject.kind)} ${subject.name}` }
}

Component({
  behaviors: [careBehavior],
  data: {
    subjects: [],
    subjectLabels: ['假如我是…（不用我的档案）'],
    subjectIndex: 0,
    kind: 'person',
    kindLabels: ['个人', '企业'],
    fields: fieldsFor('person', {}, {}),
    districtNames: DISTRICT_NAMES,
    values: {},
    calculating: false,
    error: '',
    result: null,
  },
  methods: {
    onLoad(query) {
      const wanted = query && query.subject_id ? Number(query.subject_id) : null
      return api
        .call('subjects', { silent: true })
        .then((list) => {
          const subjects = (list || []).map(subjectView)
          const index = wanted ? subjects.findIndex((s) => s.id === wanted) + 1 : 0
          this.setData({
            subjects,
            subjectLabels: ['假如我是…（不用我的档案）'].concat(subjects.map((s) => `用我的档案：${s.label}`)),
          })
          if (index > 0) this.chooseSubject(index)
        })
        .catch(() => null) // the calculator works without login or identities
    },
    chooseSubject(index) {
      const subject = this.data.subjects[index - 1]
      const kind = subject ? subject.kind : this.data.kind
      this.setData({ subjectIndex: index, kind, values: {}, fields: fieldsFor(kind, {}, {}), result: null, error: '' })
    },
    onSubject(event) {
      this.chooseSubject(Number(event.detail.value))
    },
    onKind(event) {
      const kind = Number(event.detail.value) === 1 ? 'enterprise' : 'person'
      this.setData({ kind, values: {}, fields: fieldsFor(kind, {}, {}), result: null, error: '' })
    },
    onDistrict(event) {
      const name = event.currentTarget.dataset.name
      const district = DISTRICTS[Number(event.detail.value)]
      const values = Object.assign({}, this.data.values, { [name]: district ? district.code : '' })
      this.setData({ values, fields: fieldsFor(this.data.kind, values, {}) })
    },
    onField(event) {
      const name = event.currentTarget.dataset.name
      const value = event.detail.value
      const values = Object.assign({}, this.data.values, { [name]: value })
      this.setData({ values, fields: fieldsFor(this.data.kind, values, {}) })
    },
    body() {
      const facts = factsFrom(this.data.kind, this.data.values)
      const subject = this.data.subjects[this.data.subjectIndex - 1]
      return subject ? { subject_id: subject.id, overrides: facts } : { subject_type: this.data.kind, facts }
    },
    calculate() {
      this.setData({ calculating: true, error: '' })
      return api
        .call('calculate', { body: this.body() })
        .then((answer) => this.setData({ calculating: false, result: resultView(answer) }))
        .catch((error) => {
          this.setData({
            calculating: false,
            error: error.message,
            result: null,
            fields: fieldsFor(this.data.kind, this.data.values, fieldErrors(error)),
          })
        })
    },
    openItem(event) {
      nav.go(`/pages/item/item?id=${event.currentTarget.dataset.id}`)
    },
  },
})
