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

// request({method, path, query, data, header, auth = true, silent = false}) → {statusCode, data, header}
function request({ method = 'GET', path, query, data, header, auth: needAuth = true, silent = false }) {
  const url = http.buildUrl(path, query)
  const attempt = () =>
    authorized((token) => http.send({ method, url, data, header: withAuth(header, token) }), needAuth)
  return settle(attempt, silent)
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

module.exports = { request, upload, idempotencyKey, toast }
