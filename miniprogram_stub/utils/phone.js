// The phone number from WeChat's getPhoneNumber button: its single-use code goes to POST /me/phone,
// which keeps the number (encrypted) and answers it masked. Resolves the masked number; rejects
// with the words to show when the resident did not allow it or the API refused.
const api = require('./api')

function fromButton(event, declined = '未授权手机号') {
  const code = event && event.detail && event.detail.code
  if (!code) return Promise.reject(new Error(declined))
  return api.call('bindPhone', { body: { code } }).then((answer) => answer.phone_masked || '')
}

module.exports = { fromButton }
