// Separate consent before the 身份证号 or a bank card is typed (个人信息保护法 第二十九条): the text
// comes from GET /privacy with its version, and agreeing is recorded by POST /me/consents. The
// API refuses a binding or a card without it, so a page shows <consent-sheet> first.
const api = require('./api')

let texts = null // GET /privacy, read once per launch

function loadTexts() {
  if (!texts) texts = api.call('privacy').catch((error) => { texts = null; throw error })
  return texts
}

function textOf(purpose) {
  return loadTexts().then((all) => all.consents.find((c) => c.purpose === purpose))
}

// {id_number: true, bank_card: false, privacy: …}: whether I agreed to the current text of each.
function current() {
  return api.call('consents').then((rows) => {
    const agreed = {}
    rows.forEach((row) => {
      agreed[row.purpose] = Boolean(row.current)
    })
    return agreed
  })
}

function agree(purpose) {
  return textOf(purpose).then((text) => api.call('grantConsent', { body: { purpose, version: text.version } }))
}

function withdraw(purpose) {
  return api.call('withdrawConsent', { params: { purpose } })
}

function forgetTexts() {
  texts = null
}

module.exports = { loadTexts, textOf, current, agree, withdraw, forgetTexts }
