// Authenticated calls to the resident API. Adds `Authorization: Bearer <token>`; on a 401 it
// refreshes once through /auth/refresh (one refresh shared by every concurrent 401), else logs in
// again, then retries once. Any other non-2xx answer becomes an ApiError carrying the API's field
// errors, and its message is shown in a toast (unless the caller asked for `silent`).
const http = require('./http')
const auth = require('./auth')
const { ApiError, fromResponse } = require('./errors')

function toast(message) {
  try {
    wx.showToast({ title: message, icon: 'none', duration: 2500 })
  } catch (e) {
    // a toast is a courtesy; the rejection carries the error
  }
}

function withAuth(header, token) {
  return Object.assign({}, header, token ? { Authorization: `Bearer ${token}` } : {})
}

async function authorized(sendWith, needAuth) {
  if (!needAuth) return sendWith('')
  await auth.ensureLogin()
  const token = auth.accessToken()
  const first = await sendWith(token)
  if (first.statusCode !== 401) return first
  await auth.recover(token)
  return sendWith(auth.accessToken())
}

async function settle(attempt, silent) {
  let res
  try {
    res = await attempt()
  } catch (error) {
    const failure = error instanceof ApiError ? error : new ApiError({ message: error && error.message })
    if (!silent) toast(failure.message)
    throw failure
  }
  if (http.ok(res.statusCode)) return res
  const failure = fromResponse(res.statusCode, res.data)
  if (!silent) toast(failure.message)
  throw failure
}

// What GET answers carried an ETag, by URL: the next read of the same URL sends If-None-Match,
// and a 304 answers with what was kept (a page refreshed on show costs the server almost nothing).
const validated = {}

function forgetValidated() {
  Object.keys(validated).forEach((key) => delete validated[key])
}

// request({method, path, query, data, header, auth = true, silent = false}) → {statusCode, data, header}
function request({ method = 'GET', path, query, data, header, auth: needAuth = true, silent = false }) {
  const url = http.buildUrl(path, query)
  const user = auth.currentUser()
  const key = `${(user && user.id) || ''}|${url}` // one resident's answers are never another's
  const kept = method === 'GET' ? validated[key] : null
  const sent = kept ? Object.assign({}, header, { 'If-None-Match': kept.etag }) : header
  const attempt = () =>
    authorized((token) => http.send({ method, url, data, header: withAuth(sent, token) }), needAuth).then((res) => {
      if (res.statusCode === 304 && kept) return { statusCode: 200, data: kept.data, header: kept.header, notModified: true }
      return res
    })
  return settle(attempt, silent).then((res) => {
    const etag = http.headerValue(res.header, 'ETag')
    if (method === 'GET' && etag && !res.notModified) validated[key] = { etag, data: res.data, header: res.header }
    return res
  })
}

// upload({path, filePath, name, formData}) → {statusCode, data, header}, multipart via wx.uploadFile.
function upload({ path, filePath, name = 'file', formData, header, silent = false, onProgress }) {
  const url = http.buildUrl(path)
  const attempt = () =>
    authorized((token) => http.upload({ url, filePath, name, formData, header: withAuth(header, token), onProgress }), true)
  return settle(attempt, silent)
}

// A fresh Idempotency-Key: made once per tap, reused by that tap's retries.
function idempotencyKey() {
  const random = () => Math.random().toString(16).slice(2, 10).padEnd(8, '0')
  return `mp-${Date.now().toString(16)}-${random()}${random()}`
}

module.exports = { request, upload, idempotencyKey, toast, forgetValidated }
