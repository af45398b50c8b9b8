// WeChat's privacy authorization (app.json `__usePrivacyCheck__`): before a privacy API runs for
// the first time (chooseMedia, chooseMessageFile, the getPhoneNumber button …) WeChat calls the
// listener of wx.onNeedPrivacyAuthorization with a `resolve`. The page's <privacy-popup> then
// shows our 隐私保护指引; its 同意 button has open-type="agreePrivacyAuthorization" and answers
// resolve({buttonId, event: 'agree'}), so the API goes on; 拒绝 answers {event: 'disagree'} and the
// API fails (the page says what it could not do). The agreement is also recorded by the API
// (POST /me/consents, purpose `privacy`, with the guide's version).
const api = require('./api')

const AGREE_BUTTON = 'privacy-agree'
let shown = null // the popup of the page on screen
let pending = null // WeChat's resolve, waiting for the resident's answer

// Called by a <privacy-popup> when its page is shown: WeChat keeps one listener, the last one.
function listen(popup) {
  shown = popup
  if (typeof wx.onNeedPrivacyAuthorization !== 'function') return // base library < 2.32.3
  wx.onNeedPrivacyAuthorization((resolve) => {
    pending = resolve
    if (shown) shown.open()
    else resolve({ event: 'disagree' }) // no popup on this page: never agree for the resident
  })
}

function forget(popup) {
  if (shown === popup) shown = null
}

function record() {
  return api
    .call('privacy', { silent: true })
    .then((texts) => api.call('grantConsent', { body: { purpose: 'privacy', version: texts.guide.version }, silent: true }))
    .catch(() => null) // WeChat has the agreement; the record is tried again on the next agreement
}

function answer(agreed) {
  const resolve = pending
  pending = null
  if (!resolve) return
  if (agreed) {
    resolve({ buttonId: AGREE_BUTTON, event: 'agree' })
    record()
  } else {
    resolve({ event: 'disagree' })
  }
}

// A privacy API failed because the resident declined (errno 104 / "privacy permission").
function refused(error) {
  const text = (error && error.errMsg) || ''
  return (error && error.errno === 104) || text.indexOf('privacy') >= 0
}

module.exports = { AGREE_BUTTON, listen, forget, answer, refused }
