// Our own tokens (never WeChat's openid): wx.login's code is exchanged at POST /auth/wechat for
// an access token and a refresh token, kept in wx storage. One login and one refresh run at a time:
// callers that arrive while one is under way wait for it (single-flight).
const http = require('./http')
const endpoints = require('./endpoints')
const { ApiError, fromResponse } = require('./errors')

const STORAGE_KEY = 'kx_auth'
const LOGIN_PATH = endpoints.login.path
const REFRESH_PATH = endpoints.refresh.path

let loginFlight = null
let recoverFlight = null

function tokens() {
  try {
    return wx.getStorageSync(STORAGE_KEY) || null
  } catch (e) {
    return null
  }
}

function accessToken() {
  const saved = tokens()
  return saved ? saved.access_token : ''
}

function currentUser() {
  const saved = tokens()
  return saved ? saved.user || null : null
}

// Keep what /auth/wechat or /auth/refresh answered; a refresh answer may omit the user.
function save(answer) {
  const before = tokens() || {}
  const saved = {
    access_token: answer.access_token,
    refresh_token: answer.refresh_token || before.refresh_token || '',
    expires_at: Date.now() + (Number(answer.expires_in) || 0) * 1000,
    user: answer.user || before.user || null,
  }
  wx.setStorageSync(STORAGE_KEY, saved)
  return saved
}

function clear() {
  wx.removeStorageSync(STORAGE_KEY)
}

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new Error('wx.login 未返回 code'))),
      fail: (err) => reject(new Error((err && err.errMsg) || 'wx.login 失败')),
    })
  })
}

async function postJson(path, data) {
  const res = await http.send({ method: 'POST', url: http.buildUrl(path), data })
  if (!http.ok(res.statusCode)) throw fromResponse(res.statusCode, res.data)
  return res.data
}

// wx.login → POST /auth/wechat {code}; concurrent callers share one login.
function login() {
  if (!loginFlight) {
    loginFlight = wxLoginCode()
      .then((code) => postJson(LOGIN_PATH, { code }))
      .then(save)
      .finally(() => {
        loginFlight = null
      })
  }
  return loginFlight
}

// After 退出登录 nothing logs in by itself (wx.login needs no tap, so it would be silent): the
// resident logs in again from 我的.
const LOGGED_OUT_KEY = 'kx_logged_out'
const LOGGED_OUT = '您已退出登录，请在「我的」中重新登录'

function isLoggedOut() {
  try {
    return !!wx.getStorageSync(LOGGED_OUT_KEY)
  } catch (e) {
    return false
  }
}

function logOut() {
  clear()
  wx.setStorageSync(LOGGED_OUT_KEY, true)
}

// 登录 from 我的: the only way back after 退出登录.
function logIn() {
  wx.removeStorageSync(LOGGED_OUT_KEY)
  return login()
}

// Log in unless a token is kept (or a login is already running, or the resident logged out).
function ensureLogin() {
  if (loginFlight) return loginFlight
  if (accessToken()) return Promise.resolve(tokens())
  if (isLoggedOut()) return Promise.reject(new ApiError({ status: 401, message: LOGGED_OUT }))
  return login()
}

async function refresh() {
  const saved = tokens()
  if (!saved || !saved.refresh_token) throw new Error('no refresh token')
  return save(await postJson(REFRESH_PATH, { refresh_token: saved.refresh_token }))
}

// After a 401 for `staleToken`: refresh once (or log in again when the refresh fails), shared by
// every request that got a 401 meanwhile. A token already replaced needs nothing.
function recover(staleToken) {
  if (recoverFlight) return recoverFlight
  if (accessToken() && accessToken() !== staleToken) return Promise.resolve(tokens())
  recoverFlight = refresh()
    .catch(() => {
      clear()
      if (isLoggedOut()) throw new ApiError({ status: 401, message: LOGGED_OUT })
      return login()
    })
    .finally(() => {
      recoverFlight = null
    })
  return recoverFlight
}

// Forget single-flight state (tests start each case from a clean module).
function reset() {
  loginFlight = null
  recoverFlight = null
}

module.exports = {
  STORAGE_KEY,
  LOGIN_PATH,
  REFRESH_PATH,
  tokens,
  accessToken,
  currentUser,
  save,
  clear,
  login,
  ensureLogin,
  refresh,
  recover,
  reset,
  isLoggedOut,
  logOut,
  logIn,
}
