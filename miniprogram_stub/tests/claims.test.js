// 申请确认, 我的申请, 申请详情 and 免申即享 as a resident sees them.
const { install, reply, paginated, apiError, consentRows } = require('./helpers/fake-wx')
const { open, text, tap, find, settle } = require('./helpers/page')
const auth = require('../utils/auth')
const subscribe = require('../utils/subscribe')
const consent = require('../utils/consent')
const f = require('./fixtures')

beforeEach(() => {
  auth.reset()
  subscribe.reset()
  consent.forgetTexts()
})

const TEMPLATES = { scene: 'after_claim', groups: [[f.template('tpl-claim'), f.template('tpl-paid')]] }

const formRoutes = () => ({
    'GET /items/18': reply(200, f.itemDetail()),
    'GET /me/subjects': reply(200, [f.boundSubject()]),
    'GET /me/subscriptions/templates': reply(200, TEMPLATES),
    'UPLOAD /claims/materials': reply(201, { id: 77, name: '老年人本人或代办人身份证', filename: 'licence.pdf' }),
    'POST /claims': reply(201, f.claim({ status: 'submitted' })),
    'POST /me/subscriptions': reply(200, { templates: [] }),
})

describe('申请确认', () => {
  const routes = formRoutes

  test('shows the pre-filled applicant, uploads a material, submits once per tap, then offers reminders', async () => {
    const fake = install(routes())
    const page = await open('pages/claim-form/claim-form', { item_id: '18', subject_id: '3' })
    const seen = text(page)
    expect(seen).toContain('申请人（来自您的档案）')
    expect(seen).toContain('个人：张*')
    expect(seen).toContain('3****************4')
    expect(seen).toContain('预计可享 100元/月')

    await tap(page, '.upload')
    await settle()
    expect(fake.calls.upload).toHaveLength(1)
    expect(fake.calls.upload[0]).toMatchObject({ path: '/claims/materials', name: 'file', filePath: '/tmp/wx/licence.pdf', formData: { name: '老年人本人或代办人身份证' } })
    expect(fake.calls.upload[0].header.Authorization).toBe('Bearer access-1')
    expect(text(page)).toContain('已上传：licence.pdf')

    page.instance.onAnswer({ currentTarget: { dataset: { index: 0 } }, detail: { value: '13800005678' } })
    await tap(page, '#submit')
    await settle()
    const sent = fake.calls.request.filter((r) => r.method === 'POST' && r.path === '/claims')
    expect(sent).toHaveLength(1)
    expect(sent[0].data).toEqual({ item_id: 18, subject_id: 3, form: { phone: '13800005678' }, material_ids: [77] })
    expect(sent[0].header['Idempotency-Key']).toMatch(/^mp-/)
    expect(text(page)).toContain('申请已提交')
    expect(text(page)).toContain('KX20261127000041')

    await tap(page, '#subscribe')
    await settle()
    expect(fake.calls.subscribe).toEqual([['tpl-claim', 'tpl-paid']])
    expect(text(find(page, '#subscribe-note'))).toBe('已订阅，办理进度将通过微信通知您')

    await tap(page, '#view-claim')
    expect(fake.calls.navigate).toEqual(['/pages/claim/claim?id=41'])
  })

  test('a photo from the camera or the album is uploaded compressed, its progress shown', async () => {
    const fake = install(routes())
    const page = await open('pages/claim-form/claim-form', { item_id: '18', subject_id: '3' })
    await tap(page, '.photo')
    expect(fake.calls.chooseMedia).toEqual([{ mediaType: ['image'], sourceType: ['camera', 'album'], sizeType: ['compressed'] }])
    await settle()
    expect(fake.calls.upload).toHaveLength(1)
    expect(fake.calls.upload[0]).toMatchObject({ path: '/claims/materials', filePath: 'wxfile://tmp_idcard_compressed.jpg', formData: { name: '老年人本人或代办人身份证' } })
    expect(page.instance.data.item.materials[0].progress).toBe(50) // the task's progress reached the page
    expect(text(page)).toContain('已上传：licence.pdf') // the name the API gave the file
    expect(page.instance.data.item.materials[0].uploading).toBe(false)
  })

  test('a photo chooser cancelled uploads nothing and says nothing', async () => {
    const fake = install(routes())
    fake.state.mediaCancelled = true
    const page = await open('pages/claim-form/claim-form', { item_id: '18', subject_id: '3' })
    await tap(page, '.photo')
    await settle()
    expect(fake.calls.upload).toEqual([])
    expect(fake.calls.toast).toEqual([])
  })

  test('two taps send two keys; a missing required material stops the submit', async () => {
    const fake = install({ ...routes(), 'POST /claims': apiError(409, '已有进行中的申请') })
    const page = await open('pages/claim-form/claim-form', { item_id: '18', subject_id: '3' })
    page.instance.onAnswer({ currentTarget: { dataset: { index: 0 } }, detail: { value: '13800005678' } })
    await tap(page, '#submit')
    expect(text(find(page, '#materials-error'))).toBe('请上传：老年人本人或代办人身份证')
    expect(fake.calls.request.filter((r) => r.path === '/claims')).toHaveLength(0)

    await tap(page, '.upload')
    await settle()
    await tap(page, '#submit')
    await settle()
    await tap(page, '#submit')
    await settle()
    const keys = fake.calls.request.filter((r) => r.path === '/claims').map((r) => r.header['Idempotency-Key'])
    expect(keys).toHaveLength(2)
    expect(keys[0]).not.toBe(keys[1])
    expect(text(find(page, '#submit-error'))).toBe('已有进行中的申请')
  })

  test('field errors from the API show under the field', async () => {
    // as services/claims/_contact.py refuses a number nobody can call back
    install({ ...routes(), 'POST /claims': apiError(422, '联系电话有误：手机号码应为11位数字', { 'form.phone': ['手机号格式不正确'] }) })
    const page = await open('pages/claim-form/claim-form', { item_id: '18', subject_id: '3' })
    await tap(page, '.upload')
    await settle()
    page.instance.onAnswer({ currentTarget: { dataset: { index: 0 } }, detail: { value: '123' } })
    await tap(page, '#submit')
    await settle()
    expect(text(find(page, '#answers'))).toContain('手机号格式不正确')
  })

  test('an applicant not bound to me cannot be used', async () => {
    install({ ...routes(), 'GET /me/subjects': reply(200, []) })
    const page = await open('pages/claim-form/claim-form', { item_id: '18', subject_id: '3' })
    expect(text(page)).toContain('无法办理：未绑定该申请人')
  })

  test('a returned claim is resubmitted', async () => {
    const fake = install({ ...routes(), 'POST /claims/41/resubmit': reply(200, f.claim({ status: 'submitted' })) })
    const page = await open('pages/claim-form/claim-form', { item_id: '18', subject_id: '3', claim_id: '41' })
    await tap(page, '.upload')
    await settle()
    page.instance.onAnswer({ currentTarget: { dataset: { index: 0 } }, detail: { value: '13800005678' } })
    await tap(page, '#submit')
    await settle()
    const sent = fake.calls.request.find((r) => r.path === '/claims/41/resubmit')
    expect(sent.data).toEqual({ form: { phone: '13800005678' }, material_ids: [77] })
    expect(text(page)).toContain('已重新提交')
  })
})

describe('我的申请', () => {
  test('lists my claims with their status', async () => {
    const fake = install({ 'GET /claims': paginated([f.claim(), f.claim({ id: 42, claim_no: 'KX2', status: 'paid', status_text: '已发放', paid_fen: 150000 })]) })
    const page = await open('pages/claims/claims')
    const seen = text(page)
    expect(seen).toContain('KX20261127000041')
    expect(seen).toContain('审核中')
    expect(seen).toContain('已发放')
    expect(seen).toContain('1,500元')
    expect(seen).toContain('提交于 2026-11-27 09:30')
    await tap(page, '.claim')
    expect(fake.calls.navigate).toEqual(['/pages/claim/claim?id=41'])
  })

  test('empty and error states', async () => {
    install({ 'GET /claims': paginated([]) })
    expect(text(await open('pages/claims/claims'))).toContain('还没有申请记录')
    install({ 'GET /claims': apiError(500, '服务器内部错误，请稍后再试') })
    expect(text(await open('pages/claims/claims'))).toContain('加载失败：服务器内部错误，请稍后再试')
  })
  test('联系电话 comes from WeChat\'s getPhoneNumber button instead of being typed', async () => {
    const fake = install({
      ...formRoutes(),
      'POST /me/phone': reply(200, { phone_masked: '138****5678' }),
    })
    const page = await open('pages/claim-form/claim-form', { item_id: '18', subject_id: '3' })
    expect(find(page, '#use-wechat-phone').dom.getAttribute('open-type') || 'getPhoneNumber').toBe('getPhoneNumber')
    await page.instance.onPhone({ detail: { errMsg: 'getPhoneNumber:fail user deny' } })
    expect(text(find(page, '#phone-error'))).toBe('未授权手机号，可直接填写')
    await page.instance.onPhone({ detail: { code: 'phone-code-2', errMsg: 'getPhoneNumber:ok' } })
    await settle()
    expect(fake.calls.request.find((r) => r.path === '/me/phone').data).toEqual({ code: 'phone-code-2' })
    expect(text(find(page, '#account-phone'))).toContain('138****5678（微信绑定）')
    await tap(page, '.upload')
    await settle()
    await tap(page, '#submit') // no phone typed: the account's is used
    await settle()
    const sent = fake.calls.request.filter((r) => r.method === 'POST' && r.path === '/claims')
    expect(sent.map((r) => r.data)).toEqual([{ item_id: 18, subject_id: 3, form: {}, material_ids: [77], use_account_phone: true }])
  })

  test('a phone given before is offered at once, and another number can still be typed', async () => {
    install({ ...formRoutes(), 'GET /me': reply(200, { id: 1, phone_masked: '139****0000', subjects: [f.boundSubject()] }) })
    const page = await open('pages/claim-form/claim-form', { item_id: '18', subject_id: '3' })
    expect(text(find(page, '#account-phone'))).toContain('139****0000')
    await tap(page, '#type-phone')
    expect(page.querySelector('.answer-phone')).toBeTruthy()
    await tap(page, '#submit')
    expect(text(find(page, '#answers'))).toContain('请填写联系电话')
  })
})

describe('申请详情', () => {
  test('an ended claim asks for a 好差评 rating once, in words', async () => {
    const paid = f.claim({ status: 'paid', status_text: '已发放', paid_fen: 10000, can_rate: true, rating: null })
    const rated = { ...paid, can_rate: false, rating: { score: 4, comment: '到账很快', created_at: '2026-12-01T10:00:00+08:00' } }
    const fake = install({
      'GET /claims/41': reply(200, paid),
      'POST /claims/41/rating': reply(200, rated),
      'GET /me/subscriptions/templates': reply(200, TEMPLATES),
    })
    const page = await open('pages/claim/claim', { id: '41' })
    const options = text(find(page, '#rate'))
    expect(options).toContain('非常满意满意基本满意不满意非常不满意')
    await tap(page, '#submit-rating')
    expect(text(find(page, '#rating-error'))).toBe('请先选择满意程度')
    await tap(page, '#score-4')
    page.instance.onComment({ detail: { value: '到账很快' } })
    await tap(page, '#submit-rating')
    await settle()
    expect(fake.calls.request.find((r) => r.path === '/claims/41/rating').data).toEqual({ score: 4, comment: '到账很快' })
    expect(page.querySelector('#rate')).toBeUndefined()
    expect(text(find(page, '#rated'))).toContain('您的评价：满意')
  })


  test('shows the timeline and withdraws after confirmation', async () => {
    const fake = install({
      'GET /claims/41': reply(200, f.claim()),
      'POST /claims/41/withdraw': reply(200, f.claim({ status: 'withdrawn', status_text: '已撤回', timeline: [...f.claim().timeline, { to_status: 'withdrawn', note: '撤回', created_at: '2026-11-27T11:00:00+08:00' }] })),
      'GET /me/subscriptions/templates': reply(200, TEMPLATES),
    })
    const page = await open('pages/claim/claim', { id: '41', from: 'push' })
    expect(text(find(page, '#head'))).toContain('张* 东昌府区')
    expect(text(find(page, '#due'))).toContain('承诺最迟 2026-12-25 办结')
    expect(text(find(page, '#facts'))).toContain('年龄82')
    const seen = text(find(page, '#timeline'))
    expect(seen).toContain('已提交')
    expect(seen).toContain('审核中')
    expect(seen).toContain('受理审核')
    expect(seen).toContain('2026-11-27 10:00')
    // what is still to come, the department's promised date on the next step
    expect(text(find(page, '#next-0'))).toBe('待办：审核通过最迟 2026-12-25')
    expect(text(find(page, '#next-1'))).toBe('待办：资金发放')
    await tap(page, '#withdraw')
    await settle()
    expect(fake.calls.modal).toHaveLength(1)
    expect(text(find(page, '#head'))).toContain('已撤回')
    expect(page.querySelector('#withdraw')).toBeUndefined()
    expect(page.querySelector('#due')).toBeUndefined() // no longer waiting for the department
  })

  test('a returned claim shows why and offers to resubmit', async () => {
    const fake = install({ 'GET /claims/41': reply(200, f.claim({ status: 'returned', status_text: '退回补正', reason: '身份证照片不清晰' })) })
    const page = await open('pages/claim/claim', { id: '41' })
    expect(text(page)).toContain('说明：身份证照片不清晰')
    await tap(page, '#resubmit')
    expect(fake.calls.navigate).toEqual(['/pages/claim-form/claim-form?item_id=18&subject_id=3&claim_id=41'])
  })

  test('a claim of someone else is not found', async () => {
    install({ 'GET /claims/41': apiError(404, '未找到该申请') })
    expect(text(await open('pages/claim/claim', { id: '41' }))).toContain('加载失败：未找到该申请')
  })
})

describe('免申即享', () => {
  test('confirms one grant and declines another after asking', async () => {
    const fake = install({
      'GET /me/grants': paginated([f.grant(), f.grant({ id: 6, item_id: 19, item_name: '残疾人两项补贴', amount_fen: 8000 })]),
      'POST /me/grants/5/confirm': reply(200, f.grant({ status: 'confirmed' })),
      'POST /me/grants/6/decline': reply(200, f.grant({ id: 6, item_id: 19, item_name: '残疾人两项补贴', status: 'declined' })),
    })
    const page = await open('pages/grants/grants')
    expect(text(page)).toContain('高龄津贴')
    expect(text(page)).toContain('80至89周岁每人每月100元')
    expect(text(page)).toContain('待确认')
    await tap(page, '.confirm')
    await settle()
    expect(fake.calls.request.find((r) => r.path === '/me/grants/5/confirm').data).toEqual({})
    expect(text(page)).toContain('已确认')
    await tap(page, '.decline')
    await settle()
    expect(fake.calls.modal).toHaveLength(1)
    expect(text(page)).toContain('已放弃')
    expect(page.querySelector('.confirm')).toBeUndefined()
  })

  test('a grant paid to a bank account asks for the card number twice first', async () => {
    const fake = install({
      'GET /me/grants': paginated([f.grant({ needs_account: true, payout_account: null })]),
      'POST /me/grants/5/confirm': apiError(422, '银行卡号有误，请核对', { bank_card: ['校验位不正确'] }),
    })
    const page = await open('pages/grants/grants')
    await tap(page, '.confirm')
    expect(text(find(page, '.grant-error'))).toBe('请填写用于发放的本人银行卡号')
    expect(fake.calls.request.filter((r) => r.method === 'POST')).toEqual([])
    page.instance.onBankCard({ currentTarget: { dataset: { id: 5, field: 'bankCard' } }, detail: { value: '6222 0000 0000 0001' } })
    page.instance.onBankCard({ currentTarget: { dataset: { id: 5, field: 'bankCardAgain' } }, detail: { value: '6222 0000 0000 0010' } })
    await tap(page, '.confirm') // a slip of the finger is caught before anything is sent
    expect(text(find(page, '.grant-error'))).toBe('两次输入的银行卡号不一致，请核对')
    expect(fake.calls.request.filter((r) => r.method === 'POST')).toEqual([])
    page.instance.onBankCard({ currentTarget: { dataset: { id: 5, field: 'bankCardAgain' } }, detail: { value: '62220000 00000001' } })
    await tap(page, '.confirm')
    await settle()
    expect(fake.calls.request.find((r) => r.method === 'POST').data).toEqual({ bank_card: '6222000000000001' })
    expect(text(find(page, '.grant-error'))).toBe('校验位不正确')
  })

  test('empty and error states', async () => {
    install({ 'GET /me/grants': paginated([]) })
    expect(text(await open('pages/grants/grants'))).toContain('暂无免申即享待遇')
    install({ 'GET /me/grants': 'network-error' })
    expect(text(await open('pages/grants/grants'))).toContain('加载失败：网络连接失败，请稍后重试')
  })

  test('a grant paid to a card asks the bank card text before the card inputs', async () => {
    const fake = install({
      'GET /me/grants': paginated([f.grant({ needs_account: true, payout_account: null })]),
      'GET /me/subscriptions/templates': reply(200, []),
      'GET /me/consents': reply(200, consentRows(['privacy', 'id_number'])),
      'POST /me/consents': (request) => reply(200, { purpose: request.data.purpose, version: request.data.version, current: true }),
    })
    const page = await open('pages/grants/grants')
    await settle()
    expect(page.querySelector('.bank-card')).toBeUndefined()
    const sheet = page.querySelector('#card-consent-5')
    expect(text(sheet)).toContain('银行卡号收集使用说明')
    await tap(sheet, '.agree')
    await settle()
    expect(fake.calls.request.filter((r) => r.path === '/me/consents' && r.method === 'POST').map((r) => r.data.purpose)).toEqual(['bank_card'])
    expect(find(page, '.bank-card')).toBeTruthy()
  })
})
