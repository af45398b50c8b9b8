// Privacy: WeChat's authorization popup before the first privacy API, the separate consents
// before the 身份证号 and a bank card (recorded by the API with the text's version), the guide page
// with my consents and withdrawal. (The bank card's consent is in claims.test.js with the grants:
// miniprogram-simulate renders a component only for the first page of a test file that loads it.)
const { install, reply, paginated, consentRows, PRIVACY } = require('./helpers/fake-wx')
const { open, text, find, tap, settle } = require('./helpers/page')
const f = require('./fixtures')
const consent = require('../utils/consent')

beforeEach(() => consent.forgetTexts())

function claimFormRoutes(extra = {}) {
  return {
    'GET /items/18': reply(200, f.itemDetail()),
    'GET /me/subjects': reply(200, [f.boundSubject()]),
    'GET /me/subscriptions/templates': reply(200, []),
    'UPLOAD /claims/materials': reply(201, { id: 31, name: '老年人本人或代办人身份证', filename: '照片.jpg' }),
    'POST /me/consents': (request) => reply(200, { purpose: request.data.purpose, version: request.data.version, current: true }),
    ...extra,
  }
}

describe('WeChat privacy authorization (__usePrivacyCheck__)', () => {
  test('the first photo asks through our popup; agreeing lets the camera open and is recorded', async () => {
    const fake = install(claimFormRoutes())
    fake.privacy.agreed = false
    const page = await open('pages/claim-form/claim-form', { item_id: '18', subject_id: '3' })
    const popup = page.querySelector('#privacy-guard')
    expect(popup.querySelector('#privacy-popup')).toBeUndefined()

    const choosing = page.instance.choosePhoto({ currentTarget: { dataset: { index: 0 } } })
    await settle()
    expect(fake.privacy.asked).toEqual(['chooseMedia'])
    expect(text(find(popup, '#privacy-popup'))).toContain('政策快享隐私保护指引')
    expect(fake.calls.upload).toHaveLength(0) // nothing runs before the answer

    find(popup, '#privacy-agree').dispatchEvent('agreeprivacyauthorization')
    await choosing
    await settle()
    expect(fake.privacy.agreedWith).toBe('privacy-agree') // the button's id, as WeChat requires
    expect(popup.querySelector('#privacy-popup')).toBeUndefined()
    expect(fake.calls.upload).toHaveLength(1)
    const recorded = fake.calls.request.filter((r) => r.method === 'POST' && r.path === '/me/consents')
    expect(recorded.map((r) => r.data)).toEqual([{ purpose: 'privacy', version: PRIVACY.guide.version }])
  })

  test('declining says what could not be done, and uploads nothing', async () => {
    const fake = install(claimFormRoutes())
    fake.privacy.agreed = false
    const page = await open('pages/claim-form/claim-form', { item_id: '18', subject_id: '3' })
    const popup = page.querySelector('#privacy-guard')
    const choosing = page.instance.chooseFile({ currentTarget: { dataset: { index: 0 } } })
    await settle()
    await tap(popup, '#privacy-disagree')
    await choosing
    await settle()
    expect(fake.calls.upload).toHaveLength(0)
    expect(page.instance.data.materialsError).toBe('您未同意隐私保护指引，无法拍照或选择文件；可在弹窗中同意后重试')
    expect(text(page)).toContain('您未同意隐私保护指引')
  })
})

describe('separate consent before the 身份证号 and a bank card', () => {
  test('绑定身份 shows the 身份证号 text first; agreeing records its version, then the form', async () => {
    const fake = install({
      'GET /me': reply(200, { id: 1, phone_masked: null, subjects: [] }),
      'GET /me/subscriptions/templates': reply(200, []),
      'GET /me/consents': reply(200, consentRows(['privacy'])),
      'POST /me/consents': (request) => reply(200, { purpose: request.data.purpose, version: request.data.version, current: true }),
    })
    const page = await open('pages/me/me')
    await tap(page, '#open-bind')
    expect(page.querySelector('#id-number')).toBeUndefined()
    const sheet = page.querySelector('#consent-sheet')
    expect(text(sheet)).toContain('身份证号收集使用说明')
    expect(text(sheet)).toContain('为核验您的身份并找到您的档案')
    await tap(sheet, '.agree')
    await settle()
    const posted = fake.calls.request.filter((r) => r.method === 'POST' && r.path === '/me/consents')
    expect(posted.map((r) => r.data)).toEqual([{ purpose: 'id_number', version: '2026-12-01' }])
    expect(find(page, '#id-number')).toBeTruthy()
  })

  test('declining the 身份证号 text closes the form without asking anything', async () => {
    install({
      'GET /me': reply(200, { id: 1, phone_masked: null, subjects: [] }),
      'GET /me/subscriptions/templates': reply(200, []),
      'GET /me/consents': reply(200, consentRows([])),
    })
    const page = await open('pages/me/me')
    await tap(page, '#open-bind')
    await tap(page.querySelector('#consent-sheet'), '.later')
    expect(page.querySelector('#bind-consent')).toBeUndefined()
    expect(page.querySelector('#id-number')).toBeUndefined()
  })
})

describe('隐私保护指引 page', () => {
  test('shows the guide and my consents; a consent can be withdrawn after a confirmation', async () => {
    const rows = consentRows(['privacy', 'id_number', 'bank_card'])
    const fake = install({
      'GET /me/consents': reply(200, rows),
      'DELETE /me/consents/bank_card': reply(204, ''),
    })
    const page = await open('pages/privacy/privacy')
    const seen = text(page)
    expect(seen).toContain('政策快享隐私保护指引')
    expect(seen).toContain('我们收集哪些信息、为了什么')
    expect(text(find(page, '#consent-bank_card'))).toContain('已同意（2026-12-01 版')
    expect(page.querySelector('#consent-privacy .withdraw')).toBeUndefined() // withdrawn in WeChat or by deleting the account
    await tap(page, '#consent-bank_card .withdraw')
    await settle()
    expect(fake.calls.modal[0]).toContain('撤回后不再收集这项信息')
    expect(fake.calls.request.some((r) => r.method === 'DELETE' && r.path === '/me/consents/bank_card')).toBe(true)
  })
})
