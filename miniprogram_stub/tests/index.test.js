const { install, reply, paginated, apiError } = require('./helpers/fake-wx')
const { open, text, tap, find, settle } = require('./helpers/page')
const subscribe = require('../utils/subscribe')
const auth = require('../utils/auth')

const SUMMARY = { year: 2026, subjects: 1, eligible_count: 1, unknown_count: 1, expected_fen: 630000, claimed_count: 0, claimed_fen: 0, received_count: 1, received_fen: 120000 }
const card = (item, verdict, mode, amountFen, extra = {}) => ({
  item: { id: item[0], code: `C-${item[0]}`, name: item[1], mode },
  policy: { id: 8, title: '聊城市高龄津贴发放管理办法' },
  department: { id: 2, short_name: '市民政局' },
  subject: { id: 3, kind: 'person', name: '张*' },
  verdict,
  amount_fen: amountFen,
  period: 'monthly',
  annual_fen: amountFen * 12,
  apply_from: null,
  apply_until: null,
  mode,
  claim: null,
  grant: null,
  acted: false,
  reason: '符合：户籍东昌府区、年龄 82 周岁',
  ...extra,
})
const MATCHES = [
  card([7, '高龄津贴'], 'eligible', 'auto_grant', 10000, { grant: { id: 5, status: 'granted' } }),
  card([9, '一次性创业补贴'], 'unknown', 'one_tap', 150000, { period: 'once', apply_until: '2026-12-31T23:59:59+08:00' }),
]
const template = (id, longTerm = false) => ({ template_id: id, kind: 'new_matches', title: '政策匹配提醒', long_term: longTerm, remaining: 0 })
const TEMPLATES = { scene: 'home', groups: [[template('tpl-new'), template('tpl-claim')], [template('tpl-long', true)]] }

beforeEach(() => {
  subscribe.reset()
  auth.reset()
})

test('shows the expected total and the matched items', async () => {
  install({
    'GET /me/summary': reply(200, SUMMARY),
    'GET /me/matches': paginated(MATCHES),
    'GET /me/subscriptions/templates': reply(200, TEMPLATES),
  })
  const page = await open('pages/index/index')
  const seen = text(page)
  expect(seen).toContain('6,300元')
  expect(seen).toContain('高龄津贴')
  expect(seen).toContain('100元/月')
  expect(seen).toContain('符合：户籍东昌府区、年龄 82 周岁')
  expect(seen).toContain('今年已到账 1 项 1,200元')
  expect(seen).toContain('待确认')
  expect(seen).toContain('免申即享')
  expect(seen).toContain('待补充信息')
  expect(seen).toContain('截止 2026-12-31')
  expect(wx.calls.request.find((r) => r.path === '/me/matches').header.Authorization).toBe('Bearer access-1')

  await tap(page, '.match')
  expect(wx.calls.navigate).toEqual(['/pages/item/item?id=7&subject_id=3'])
})

test('the 消息 tab shows how many messages are unread', async () => {
  const fake = install({
    'GET /me/summary': reply(200, SUMMARY),
    'GET /me/matches': paginated(MATCHES),
    'GET /me/messages/unread-count': reply(200, { unread: 3 }),
    'GET /me/subscriptions/templates': reply(200, TEMPLATES),
  })
  await open('pages/index/index')
  await settle()
  expect(fake.calls.badge).toEqual(['3'])
})

test('coming back to the page reads again, and an unchanged list costs a 304', async () => {
  let matchesCalls = 0
  const fake = install({
    'GET /me/summary': reply(200, SUMMARY),
    'GET /me/matches': (request) => {
      matchesCalls += 1
      if (request.header['If-None-Match'] === 'W/"m-1"') return reply(304, null, { ETag: 'W/"m-1"' })
      const answer = paginated(MATCHES)
      return reply(200, answer.data, { ...answer.header, ETag: 'W/"m-1"' })
    },
    'GET /me/subscriptions/templates': reply(200, TEMPLATES),
  })
  const page = await open('pages/index/index')
  page.instance.onShow() // the first show follows onLoad: nothing more is read
  await settle()
  expect(matchesCalls).toBe(1)
  page.instance.onShow() // back from a claim
  await settle()
  expect(matchesCalls).toBe(2)
  const again = fake.calls.request.filter((r) => r.path === '/me/matches')
  expect(again[1].header['If-None-Match']).toBe('W/"m-1"')
  expect(text(page)).toContain('一次性创业补贴') // the kept list, from the 304
  expect(page.instance.data.loading).toBe(false)
})

test('asks for subscriptions from the tap, one popup per tap, and reports the choices', async () => {
  const fake = install({
    'GET /me/summary': reply(200, SUMMARY),
    'GET /me/matches': paginated(MATCHES),
    'GET /me/subscriptions/templates': reply(200, TEMPLATES),
    'POST /me/subscriptions': reply(200, { updated: 3 }),
  })
  fake.state.subscribeAnswer = { 'tpl-claim': 'reject' }
  const page = await open('pages/index/index')
  await tap(page, '#subscribe')
  await settle()
  expect(fake.calls.subscribe).toEqual([['tpl-new', 'tpl-claim']]) // no popup from a callback
  const report = fake.calls.request.find((r) => r.method === 'POST' && r.path === '/me/subscriptions')
  expect(report.data).toEqual({ results: { 'tpl-new': 'accept', 'tpl-claim': 'reject' } })
  expect(text(find(page, '#subscribe-note'))).toBe('已订阅 1 项提醒；还有 1 组提醒，再点一次订阅')
  await tap(page, '#subscribe') // the next tap asks the next group
  await settle()
  expect(fake.calls.subscribe).toEqual([['tpl-new', 'tpl-claim'], ['tpl-long']])
  expect(text(find(page, '#subscribe-note'))).toBe('已订阅 1 项提醒')
})

test('an unbound resident is asked to bind an identity', async () => {
  install({
    'GET /me/summary': reply(200, { ...SUMMARY, subjects: 0, eligible_count: 0, unknown_count: 0, expected_fen: 0 }),
    'GET /me/matches': paginated([]),
  })
  const page = await open('pages/index/index')
  expect(text(page)).toContain('还没有绑定身份')
})

test('no matches shows the empty state', async () => {
  install({ 'GET /me/summary': reply(200, { ...SUMMARY, expected_fen: 0 }), 'GET /me/matches': paginated([]) })
  const page = await open('pages/index/index')
  expect(text(page)).toContain('暂时没有为您匹配到政策')
})

test('an API error is shown on the page and in a toast, and retry loads again', async () => {
  const fake = install({ 'GET /me/summary': apiError(500, '服务器内部错误，请稍后再试'), 'GET /me/matches': paginated(MATCHES) })
  const page = await open('pages/index/index')
  expect(text(page)).toContain('加载失败：服务器内部错误，请稍后再试')
  expect(fake.calls.toast).toContain('服务器内部错误，请稍后再试')
  fake.routes['GET /me/summary'] = reply(200, SUMMARY)
  await tap(page, '#retry')
  await settle()
  expect(text(page)).toContain('高龄津贴')
})
