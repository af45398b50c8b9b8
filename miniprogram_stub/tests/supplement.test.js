// 补充信息 as a resident does it: the item says what is missing; the page asks it in the fact's own
// terms (是/否, a choice, 元), takes a photo as proof, and sends one declaration for review.
const { install, reply } = require('./helpers/fake-wx')
const { open, text, tap, find, settle } = require('./helpers/page')
const subscribe = require('../utils/subscribe')
const f = require('./fixtures')

beforeEach(() => subscribe.reset())

const TEMPLATES = { scene: 'supplement', groups: [[f.template('tpl-claim'), f.template('tpl-new')]] }

const FACTS = [
  { key: 'veteran', subject_type: 'person', label: '退役军人', type: 'boolean', unit: '', choices: [], codes: [] },
  { key: 'household_income_fen', subject_type: 'person', label: '家庭年收入', type: 'money', unit: '分', choices: [], codes: [] },
  { key: 'education', subject_type: 'person', label: '学历', type: 'enum', unit: '', choices: [{ value: 'bachelor', label: '本科' }, { value: 'master', label: '硕士研究生' }], codes: [] },
]

function routes(missing, supplements = [], extra = {}) {
  const detail = f.itemDetail({ mine: [f.standing({ verdict: 'unknown', amount: null, missing, supplements })] })
  return {
    'GET /items/18': reply(200, detail),
    'GET /facts': reply(200, FACTS),
    'UPLOAD /claims/materials': reply(201, { id: 77, name: '证明材料', filename: '照片.jpg' }),
    'POST /me/supplements': (request) => reply(201, { id: 9, status: 'pending', ...request.data }),
    'GET /me/subscriptions/templates': reply(200, TEMPLATES),
    'POST /me/subscriptions': reply(200, { templates: [] }),
    ...extra,
  }
}

test('a yes/no fact is answered with 是, proved with a photo, and sent for review', async () => {
  const fake = install(routes([{ fact: 'veteran', label: '退役军人' }]))
  const page = await open('pages/supplement/supplement', { item_id: '18', subject_id: '3' })
  expect(text(page)).toContain('由聊城市民政局审核')
  expect(text(find(page, '#declare'))).toContain('退役军人')

  await tap(page, '#submit') // nothing chosen yet: said on the fields, nothing sent
  expect(text(find(page, '#value-error'))).toBe('请填写退役军人')
  expect(text(find(page, '#material-error'))).toBe('请拍照或选择证明材料')

  await tap(page, '#answer-yes')
  await page.instance.choosePhoto()
  await settle()
  expect(fake.calls.chooseMedia[0]).toEqual({ mediaType: ['image'], sourceType: ['camera', 'album'], sizeType: ['compressed'] })
  expect(fake.calls.upload[0].formData).toEqual({ name: '证明材料' })
  expect(text(find(page, '#material'))).toContain('照片.jpg')
  page.instance.onText({ currentTarget: { dataset: { field: 'note' } }, detail: { value: '1968年退役' } })
  await tap(page, '#submit')
  const sent = fake.calls.request.filter((r) => r.method === 'POST' && r.path === '/me/supplements')
  expect(sent.map((r) => r.data)).toEqual([{ subject_id: 3, item_id: 18, fact: 'veteran', value: true, material_ids: [77], note: '1968年退役' }])
  expect(fake.calls.toast).toContain('已提交审核')

  // the decision comes as an 办事进度通知: one tap asks for it (the supplement scene's templates)
  const asked = fake.calls.request.filter((r) => r.path === '/me/subscriptions/templates')
  expect(asked.map((r) => r.query.scene)).toEqual(['supplement'])
  await tap(page, '#subscribe')
  await settle()
  expect(fake.calls.subscribe).toEqual([['tpl-claim', 'tpl-new']])
  expect(text(find(page, '#subscribe-note'))).toBe('已订阅，审核结果将通过微信通知您')
})

test('money is typed in 元 and sent in fen; a choice is picked by its Chinese name', async () => {
  const fake = install(routes([{ fact: 'household_income_fen', label: '家庭年收入' }, { fact: 'education', label: '学历' }]))
  const page = await open('pages/supplement/supplement', { item_id: '18', subject_id: '3' })
  expect(text(page)).toContain('家庭年收入（元）')
  page.instance.onText({ currentTarget: { dataset: { field: 'text' } }, detail: { value: '12000.5' } })
  await page.instance.choosePhoto()
  await settle()
  await tap(page, '#submit')
  page.instance.pickFact({ detail: { value: 1 } })
  page.instance.pickChoice({ detail: { value: 1 } })
  await settle()
  expect(text(find(page, '#choice'))).toContain('硕士研究生')
  await page.instance.choosePhoto()
  await settle()
  await tap(page, '#submit')
  const values = fake.calls.request.filter((r) => r.path === '/me/supplements').map((r) => [r.data.fact, r.data.value])
  expect(values).toEqual([['household_income_fen', 1200050], ['education', 'master']])
})

test('a fact already waiting is not asked again; a refusal shows its reason; API errors land on the field', async () => {
  install(
    routes(
      [{ fact: 'veteran', label: '退役军人' }, { fact: 'education', label: '学历' }],
      [{ id: 4, fact: 'veteran', status: 'pending', reason: null }, { id: 3, fact: 'education', status: 'rejected', reason: '学历证书照片不清晰' }],
      { 'POST /me/supplements': reply(422, { code: 422, status: 'Unprocessable Entity', message: '「学历」的取值不对', errors: { value: ['「学历」的取值不对'] } }) },
    ),
  )
  const page = await open('pages/supplement/supplement', { item_id: '18', subject_id: '3' })
  const declared = text(find(page, '#declared'))
  expect(declared).toContain('退役军人：已提交，等待部门审核')
  expect(declared).toContain('原因：学历证书照片不清晰')
  expect(page.instance.data.facts.map((fact) => fact.key)).toEqual(['education'])
  page.instance.pickChoice({ detail: { value: 0 } })
  await page.instance.choosePhoto()
  await settle()
  await tap(page, '#submit')
  expect(text(find(page, '#value-error'))).toBe('「学历」的取值不对')
})
