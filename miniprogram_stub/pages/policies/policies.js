// 政策「列表/搜索」: items (GET /items) or policy documents (GET /policies) by keyword and filters;
// a policy opens in place with its 解读 and items (GET /policies/{id}).
const careBehavior = require('../../behaviors/care')
const api = require('../../utils/api')
const nav = require('../../utils/nav')
const fmt = require('../../utils/format')

const care = require('../../utils/care')

const PAGE_SIZE = 20 // care.pageSize(PAGE_SIZE) in 长辈版: fewer a screen
const CATEGORIES = ['全部', '就业创业', '社会保障', '养老服务', '助残', '社会救助', '科技创新', '企业扶持', '住房', '教育', '医疗保障', '人才']
const SUBJECT_TYPES = [['', '全部对象'], ['person', '个人'], ['enterprise', '企业']]
const MODES = [['', '全部方式'], ['auto_grant', '免申即享'], ['one_tap', '一键办理'], ['guide', '办事指引']]

// Field access for this page's answers (ItemCard, PolicyCard, PolicyDetail).
function itemView(card) {
  return {
    id: card.id,
    name: card.name,
    benefit: card.benefit || '',
    mode: fmt.label(fmt.MODE_LABELS, card.mode),
    subjectType: fmt.label(fmt.SUBJECT_TYPE_LABELS, card.subject_type),
    policyTitle: (card.policy && card.policy.title) || '',
    department: (card.department && (card.department.short_name || card.department.name)) || '',
    openNow: card.open_now !== false,
    deadline: fmt.shanghaiTime(card.apply_until, false),
  }
}

function policyView(card) {
  return {
    id: card.id,
    title: card.title,
    docNumber: card.doc_number || '',
    summary: card.summary || '',
    department: (card.department && (card.department.short_name || card.department.name)) || '',
    itemCount: card.item_count || 0,
    issuedOn: card.issued_on || '',
  }
}

function policyDetailView(detail) {
  return {
    interpretation: detail.interpretation || '',
    body: detail.body || '',
    items: (detail.items || []).map(itemView),
  }
}

Component({
  behaviors: [careBehavior],
  data: {
    tab: 'items',
    q: '',
    categories: CATEGORIES,
    categoryIndex: 0,
    subjectTypes: SUBJECT_TYPES.map((pair) => pair[1]),
    subjectTypeIndex: 0,
    modes: MODES.map((pair) => pair[1]),
    modeIndex: 0,
    openNow: false,
    loading: true,
    error: '',
    results: [],
    page: 1,
    hasMore: false,
    openPolicyId: null,
    policyDetail: null,
  },
  methods: {
    // 转发: the search as it stands (a keyword is not personal data).
    onShareAppMessage() {
      const q = this.data.q ? `?q=${encodeURIComponent(this.data.q)}` : ''
      return { title: this.data.q ? `「${this.data.q}」相关政策｜政策快享` : '政策快享：看看您能享受哪些政策', path: `/pages/policies/policies${q}` }
    },
    onLoad(query) {
      if (query && query.q) this.setData({ q: decodeURIComponent(query.q) })
      return this.search()
    },
    onReachBottom() {
      return this.more()
    },
    filters(page) {
      const query = { page, page_size: care.pageSize(PAGE_SIZE) }
      if (this.data.q.trim()) query.q = this.data.q.trim()
      if (this.data.categoryIndex > 0) query.category = CATEGORIES[this.data.categoryIndex]
      if (this.data.tab === 'items') {
        const subjectType = SUBJECT_TYPES[this.data.subjectTypeIndex][0]
        const mode = MODES[this.data.modeIndex][0]
        if (subjectType) query.subject_type = subjectType
        if (mode) query.mode = mode
        if (this.data.openNow) query.open_now = true
      }
      return query
    },
    fetch(page) {
      const items = this.data.tab === 'items'
      return api.page(items ? 'items' : 'policies', { query: this.filters(page) }).then((answer) => ({
        rows: answer.items.map(items ? itemView : policyView),
        hasMore: answer.hasMore,
      }))
    },
    search() {
      this.setData({ loading: true, error: '', openPolicyId: null, policyDetail: null })
      return this.fetch(1)
        .then(({ rows, hasMore }) => this.setData({ loading: false, results: rows, page: 1, hasMore }))
        .catch((error) => this.setData({ loading: false, error: error.message, results: [] }))
    },
    more() {
      if (!this.data.hasMore) return Promise.resolve()
      const next = this.data.page + 1
      return this.fetch(next)
        .then(({ rows, hasMore }) => this.setData({ results: this.data.results.concat(rows), page: next, hasMore }))
        .catch(() => null)
    },
    onInput(event) {
      this.setData({ q: event.detail.value })
    },
    onConfirm() {
      return this.search()
    },
    switchTab(event) {
      const tab = event.currentTarget.dataset.tab
      if (tab === this.data.tab) return Promise.resolve()
      this.setData({ tab, results: [] })
      return this.search()
    },
    onCategory(event) {
      this.setData({ categoryIndex: Number(event.detail.value) })
      return this.search()
    },
    onSubjectType(event) {
      this.setData({ subjectTypeIndex: Number(event.detail.value) })
      return this.search()
    },
    onMode(event) {
      this.setData({ modeIndex: Number(event.detail.value) })
      return this.search()
    },
    toggleOpenNow() {
      this.setData({ openNow: !this.data.openNow })
      return this.search()
    },
    clearFilters() {
      this.setData({ q: '', categoryIndex: 0, subjectTypeIndex: 0, modeIndex: 0, openNow: false })
      return this.search()
    },
    openItem(event) {
      nav.go(`/pages/item/item?id=${event.currentTarget.dataset.id}`)
    },
    togglePolicy(event) {
      const id = event.currentTarget.dataset.id
      if (this.data.openPolicyId === id) {
        this.setData({ openPolicyId: null, policyDetail: null })
        return Promise.resolve()
      }
      this.setData({ openPolicyId: id, policyDetail: null })
      return api
        .call('policy', { params: { policy_id: id } })
        .then((detail) => this.setData({ policyDetail: policyDetailView(detail) }))
        .catch(() => this.setData({ openPolicyId: null }))
    },
  },
})
