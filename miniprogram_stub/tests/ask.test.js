// 智能咨询 as a resident uses it: a suggested question or their own words, the answer with the items
// it rests on (cards that open the item), 有用 / 没用, and when nothing answers: the hotline to
// call and a way to leave the question.
const { install, reply } = require('./helpers/fake-wx')
const { open, text, tap, find, settle } = require('./helpers/page')

const ANSWER = {
  id: 7,
  question: '我爸今年九十一了每个月能拿多少',
  intent: 'amount',
  answered: true,
  answer: '【高龄津贴】按您说的情况（91 周岁）：还需要更多信息才能判断，每月200元（还需确认：户籍）。',
  confidence: 1,
  items: [
    {
      id: 1,
      code: 'LC-MZ-2025-01-01',
      name: '高龄津贴',
      benefit: '80至89周岁每人每月100元',
      mode: 'auto_grant',
      department: '聊城市民政局',
      policy_title: '聊城市高龄津贴发放管理办法',
      doc_number: '聊民发〔2025〕8号',
      clause: '第三条 高龄津贴标准为：……90周岁至99周岁的老年人，每人每月200元',
      page: '/pages/item/item?id=1',
    },
  ],
  facts: [{ fact: 'age', label: '年龄', value: 91 }],
  evaluation: null,
  personal: null,
  hotline: '12345',
}
const DECLINED = { ...ANSWER, id: 8, question: '护照怎么办理', answered: false, answer: '暂时没有找到能回答这个问题的政策。', items: [], facts: [], confidence: 0 }

test('a suggested question is asked, the answer cites its item, and feedback is sent', async () => {
  const fake = install({ 'POST /ask': reply(200, ANSWER), 'POST /ask/7/feedback': reply(204, '') })
  const page = await open('pages/ask/ask')
  await tap(page, '.suggestion')
  await settle()
  expect(fake.calls.request.find((r) => r.path === '/ask').data).toEqual({ question: '我爸今年九十一了每个月能拿多少' })
  const seen = text(find(page, '#answer'))
  expect(seen).toContain('每月200元')
  expect(seen).toContain('按您说的：年龄：91')
  const card = text(find(page, '.cited'))
  expect(card).toContain('依据：聊城市高龄津贴发放管理办法 聊民发〔2025〕8号')
  expect(card).toContain('90周岁至99周岁的老年人，每人每月200元')
  await tap(page, '.cited')
  expect(fake.calls.navigate).toEqual(['/pages/item/item?id=1'])
  await tap(page, '#useless')
  await settle()
  expect(fake.calls.request.find((r) => r.path === '/ask/7/feedback').data).toEqual({ useful: false })
  expect(text(find(page, '#rated'))).toBe('已记录，我们会改进答复')
})

test('logged in, each cited item says how it stands on my profiles', async () => {
  const mine = (verdict, fen, name) => ({ verdict, summary: '', amount: fen === null ? null : { fen, period: 'monthly' }, missing: [], reasons: [], subject_name: name })
  const personal = {
    ...ANSWER,
    answer: '【高龄津贴】按王**的档案：符合，每月200元。',
    facts: [],
    items: [
      { ...ANSWER.items[0], mine: mine('eligible', 20000, '王**') },
      { ...ANSWER.items[0], id: 2, name: '百岁老人长寿补贴', page: '/pages/item/item?id=2', mine: mine('ineligible', null, '王**') },
    ],
  }
  install({ 'POST /ask': reply(200, personal) })
  const page = await open('pages/ask/ask')
  await tap(page, '.suggestion')
  await settle()
  const cards = page.querySelectorAll('.cited').map((card) => text(card))
  expect(cards[0]).toContain('按王**的档案：符合，每月200元')
  expect(cards[1]).toContain('按王**的档案：暂不符合')
})

test('typing nothing says so; an unanswered question offers the hotline and leaving it', async () => {
  const fake = install({ 'POST /ask': reply(200, DECLINED), 'POST /ask/8/feedback': reply(204, '') })
  const page = await open('pages/ask/ask')
  await tap(page, '#ask')
  expect(text(find(page, '#ask-error'))).toBe('请输入您的问题')
  expect(fake.calls.request.filter((r) => r.path === '/ask')).toHaveLength(0)
  page.instance.onInput({ detail: { value: '护照怎么办理' } })
  await tap(page, '#ask')
  await settle()
  expect(page.querySelector('.cited')).toBeUndefined()
  expect(page.querySelector('#useful')).toBeUndefined()
  await tap(page, '#call')
  expect(fake.calls.phone).toEqual(['12345'])
  page.instance.onComment({ detail: { value: '想办因私护照' } })
  await tap(page, '#leave')
  await settle()
  expect(fake.calls.request.find((r) => r.path === '/ask/8/feedback').data).toEqual({ comment: '想办因私护照' })
  expect(text(find(page, '#left'))).toContain('已收到您的问题')
})

test('首页 leads to it', async () => {
  const fake = install({
    'GET /me/summary': reply(200, { year: 2026, subjects: 0, eligible_count: 0, unknown_count: 0, expected_fen: 0, claimed_count: 0, claimed_fen: 0, received_count: 0, received_fen: 0 }),
    'GET /me/matches': reply(200, [], { 'X-Pagination': JSON.stringify({ total: 0, total_pages: 1, first_page: 1, last_page: 1, page: 1 }) }),
    'GET /me/subscriptions/templates': reply(200, { scene: 'home', groups: [] }),
  })
  const page = await open('pages/index/index')
  await tap(page, '#go-ask')
  expect(fake.calls.navigate).toContain('/pages/ask/ask')
})
