// End to end against a running backend (started by tests/test_miniprogram.py): the mini-program's
// own utils (auth, request wrapper, api) with a `wx` whose wx.request / wx.uploadFile are real
// HTTP calls and whose wx.login asks the WeChat emulator for a code.
// Usage: node e2e/flow.js '{"api": "http://127.0.0.1:5000/api/v1", "emulator": "http://127.0.0.1:…",
//   "openid": "…", "name": "…", "id_number": "…", "item_id": 1, "files": {"pdf": "…", "png": "…"}}'
const fs = require('fs')
const path = require('path')

const input = JSON.parse(process.argv[2])
const storage = {}
const toasts = []

function headersOf(response) {
  const header = {}
  response.headers.forEach((value, key) => {
    header[key] = value
  })
  return header
}

async function answer(response) {
  const text = await response.text()
  try {
    return JSON.parse(text)
  } catch (e) {
    return text
  }
}

global.wx = {
  request({ url, method = 'GET', data, header = {}, success, fail }) {
    const init = { method, headers: header }
    if (data !== undefined && method !== 'GET') init.body = JSON.stringify(data)
    fetch(url, init)
      .then(async (response) => success({ statusCode: response.status, data: await answer(response), header: headersOf(response) }))
      .catch((error) => fail({ errMsg: `request:fail ${error.message}` }))
  },
  uploadFile({ url, filePath, name, formData = {}, header = {}, success, fail }) {
    const form = new FormData()
    Object.keys(formData).forEach((key) => form.append(key, String(formData[key])))
    const type = filePath.endsWith('.png') ? 'image/png' : 'application/pdf'
    form.append(name, new Blob([fs.readFileSync(filePath)], { type }), path.basename(filePath))
    fetch(url, { method: 'POST', headers: header, body: form })
      .then(async (response) => success({ statusCode: response.status, data: await response.text(), header: headersOf(response) }))
      .catch((error) => fail({ errMsg: `uploadFile:fail ${error.message}` }))
  },
  login({ success, fail }) {
    fetch(`${input.emulator}/_emulator/login-code`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ openid: input.openid }),
    })
      .then((response) => response.json())
      .then((body) => success({ code: body.code, errMsg: 'login:ok' }))
      .catch((error) => fail({ errMsg: `login:fail ${error.message}` }))
  },
  getStorageSync: (key) => (key in storage ? storage[key] : ''),
  setStorageSync: (key, value) => {
    storage[key] = value
  },
  removeStorageSync: (key) => {
    delete storage[key]
  },
  showToast: ({ title }) => toasts.push(title),
  getAccountInfoSync: () => ({ miniProgram: { envVersion: 'develop' } }),
}

const config = require('../config')
const api = require('../utils/api')
const auth = require('../utils/auth')

async function main() {
  config.setApiBase(input.api)
  const report = { toasts }

  const me = await api.call('me')
  report.logged_in = { user: me.id, subjects: me.subjects.length }

  const bound = await api.call('bindSubject', { body: { kind: 'person', name: input.name, id_number: input.id_number } })
  report.bound = { subject_id: bound.subject_id, name: bound.name, identifier: bound.identifier }

  const matches = await api.page('matches', { query: { page: 1, page_size: 50 } })
  const card = matches.items.find((c) => c.item.id === input.item_id && c.subject.id === bound.subject_id)
  report.matches = { count: matches.items.length, total: matches.pagination && matches.pagination.total, card: card && { verdict: card.verdict, mode: card.mode } }

  const item = await api.call('item', { params: { item_id: input.item_id } })
  const materialIds = []
  for (const material of item.materials.filter((m) => m.required)) {
    const filePath = !material.types || !material.types.length || material.types.indexOf('pdf') >= 0 ? input.files.pdf : input.files.png
    // eslint-disable-next-line no-await-in-loop
    const uploaded = await api.uploadFile('uploadMaterial', { filePath, formData: { name: material.name } })
    materialIds.push(uploaded.id)
  }
  report.materials = materialIds.length

  // an expired access token: the wrapper refreshes once and retries
  const saved = auth.tokens()
  auth.save({ ...saved, access_token: `${saved.access_token}x`, expires_in: 60 })
  const key = api.idempotencyKey()
  const body = { item_id: input.item_id, subject_id: bound.subject_id, form: { phone: '13800005678' }, material_ids: materialIds }
  const claim = await api.call('submitClaim', { body, header: { 'Idempotency-Key': key } })
  const again = await api.call('submitClaim', { body, header: { 'Idempotency-Key': key } })
  report.claim = { id: claim.id, claim_no: claim.claim_no, status: claim.status, again: again.id, refreshed: auth.tokens().refresh_token !== saved.refresh_token }

  const detail = await api.call('claim', { params: { claim_id: claim.id } })
  report.detail = { status: detail.status, timeline: detail.timeline.map((e) => e.to_status), materials: detail.materials.length }

  const claims = await api.page('claims', { query: { page: 1, page_size: 20 } })
  report.claims = claims.items.map((c) => c.id)

  const missing = await api.call('claim', { params: { claim_id: 987654321 }, silent: true }).catch((error) => ({ status: error.status, message: error.message }))
  report.not_found = missing
  process.stdout.write(JSON.stringify(report))
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n${JSON.stringify({ status: error.status, errors: error.errors, toasts })}\n`)
  process.exit(1)
})
