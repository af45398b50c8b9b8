const { install, reply, paginated, apiError } = require('./helpers/fake-wx')
const { open, text, tap, find, settle } = require('./helpers/page')
const subscribe = require('../utils/subscribe')
const auth = require('../utils/auth')

const SUMMARY = { total_fen: 630000, eligible_count: 2, unknown_count: 1, subject_count: 1 }
const MATCHES = [
  { item_id: 7, subject_id: 3, item_name: '高龄津贴', subject_name: '张*', status: 'eligible', mode: 'auto_grant', amount_fen: 480000 },
  { item_id: 9, subject_id: 3, item_name: '一次性创业补贴', subject_name: '张*', status: 'unknown', mode: 'one_tap', amount_fen: 150000, apply_until: '2026-12-31T15:59:59' },
]
const TEMPLATES = { groups: [{ kind: 'one_time', template_ids: ['tpl-new', 'tpl-claim'] }, { kind: 'long_term', template_ids: ['tpl-long'] }] }

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
  expect(seen).toContain('4,800元')
  expect(seen).toContain('免申即享')
  expect(seen).toContain('待补充信息')
  expect(seen).toContain('截止 2026-12-31')
  expect(wx.calls.request.find((r) => r.path === '/me/matches').header.Authorization).toBe('Bearer access-1')

  await tap(page, '.match')
  expect(wx.calls.navigate).toEqual(['/pages/item/item?id=7&subject_id=3'])
})

test('asks for subscriptions from the tap, one popup per group, and reports the choices', async () => {
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
  expect(fake.calls.subscribe).toEqual([['tpl-new', 'tpl-claim'], ['tpl-long']])
  const report = fake.calls.request.find((r) => r.method === 'POST' && r.path === '/me/subscriptions')
  expect(report.data).toEqual({ results: { 'tpl-new': 'accept', 'tpl-claim': 'reject', 'tpl-long': 'accept' } })
  expect(text(find(page, '#subscribe-note'))).toBe('已订阅 2 项提醒')
})

test('an unbound resident is asked to bind an identity', async () => {
  install({
    'GET /me/summary': reply(200, { total_fen: 0, eligible_count: 0, unknown_count: 0, subject_count: 0 }),
    'GET /me/matches': paginated([]),
  })
  const page = await open('pages/index/index')
  expect(text(page)).toContain('还没有绑定身份')
})

test('no matches shows the empty state', async () => {
  install({ 'GET /me/summary': reply(200, { ...SUMMARY, total_fen: 0 }), 'GET /me/matches': paginated([]) })
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
