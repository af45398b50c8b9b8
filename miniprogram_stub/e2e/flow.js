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
const consent = require('../utils/consent')

// The department's side, between the resident's steps: the admin API with a staff token.
async function staff(method, path, body) {
  const response = await fetch(`${input.api}/admin${path}`, {
    method,
    headers: { Authorization: `Bearer ${input.staff}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const answer = await response.json()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`)
  return answer
}

async function main() {
  config.setApiBase(input.api)
  const report = { toasts }

  const me = await api.call('me')
  report.logged_in = { user: me.id, subjects: me.subjects.length }

  // the 身份证号 only after its own consent: refused first, then agreed with the text's version
  const person = { kind: 'person', name: input.name, id_number: input.id_number }
  const refused = await api.call('bindSubject', { body: person, silent: true }).catch((error) => error)
  report.bind_refused = { status: refused.status, field: (refused.errors.id_number || [])[0] }
  const agreed = await consent.agree('id_number')
  report.consent = { purpose: agreed.purpose, current: agreed.current }
  const bound = await api.call('bindSubject', { body: person })
  report.bound = { subject_id: bound.subject_id, name: bound.name, identifier: bound.identifier }

  // 待补充信息: the item names the missing fact; I declare it with a photo as proof
  const before = (await api.call('item', { params: { item_id: input.item_id } })).mine.find((s) => s.subject_id === bound.subject_id)
  report.before = { verdict: before.verdict, missing: before.missing.map((m) => m.fact) }
  const proof = await api.uploadFile('uploadMaterial', { filePath: input.files.png, formData: { name: '证明材料' } })
  const declared = await api.call('declareFact', {
    body: { subject_id: bound.subject_id, item_id: input.item_id, fact: input.fact, value: input.value, material_ids: [proof.id], note: '附证件照片' },
  })
  report.declared = { status: declared.status }

  // the department approves it: the fact enters the profile and the item is decided at once
  const queue = await staff('GET', '/supplements?status=pending&page_size=100')
  const mine = queue.find((row) => row.id === declared.id)
  report.reviewed = { status: (await staff('POST', `/supplements/${mine.id}/approve`)).status }
  const after = (await api.call('item', { params: { item_id: input.item_id } })).mine.find((s) => s.subject_id === bound.subject_id)
  report.after = { verdict: after.verdict, missing: after.missing.map((m) => m.fact) }

  const matches = await api.page('matches', { query: { page: 1, page_size: 50 } })
  const card = matches.items.find((c) => c.item.id === input.item_id && c.subject.id === bound.subject_id)
  report.matches = { count: matches.items.length, card: card && { verdict: card.verdict, mode: card.mode } }

  // 一键办理 with the materials, a photo wherever a photo is taken
  const item = await api.call('item', { params: { item_id: input.item_id } })
  const materialIds = []
  report.photo = false
  for (const material of item.materials.filter((m) => m.required)) {
    const types = material.types || []
    const photo = !types.length || types.indexOf('png') >= 0
    report.photo = report.photo || photo
    // eslint-disable-next-line no-await-in-loop
    const uploaded = await api.uploadFile('uploadMaterial', { filePath: photo ? input.files.png : input.files.pdf, formData: { name: material.name } })
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

  // the department reviews, approves and pays
  await staff('POST', `/claims/${claim.id}/review`, {})
  const approved = await staff('POST', `/claims/${claim.id}/approve`, {})
  await staff('POST', `/claims/${claim.id}/pay`, { paid_fen: approved.approved_fen || 0, payment_ref: `E2E-${claim.id}` })
  const paid = await api.call('claim', { params: { claim_id: claim.id } })
  report.paid = { status: paid.status, can_rate: paid.can_rate, timeline: paid.timeline.map((e) => e.to_status) }

  // 好差评, once the claim has ended
  const rated = await api.call('rateClaim', { params: { claim_id: claim.id }, body: { score: 5, comment: '全程手机办理' } })
  report.rated = { score: rated.rating.score, can_rate: rated.can_rate }

  const missing = await api.call('claim', { params: { claim_id: 987654321 }, silent: true }).catch((error) => ({ status: error.status, message: error.message }))
  report.not_found = missing

  // 注销账号: the old login stops at once; logging in again makes a new account that owns nothing
  const oldToken = auth.tokens().access_token
  await api.call('deleteMe')
  const stale = await fetch(`${input.api}/me`, { headers: { Authorization: `Bearer ${oldToken}` } })
  auth.reset()
  const fresh = await api.call('me')
  report.deleted = { old_token: stale.status, new_account_subjects: fresh.subjects.length }
  process.stdout.write(JSON.stringify(report))
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n${JSON.stringify({ status: error.status, errors: error.errors, toasts })}\n`)
  process.exit(1)
})
