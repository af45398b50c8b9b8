// 长辈版: on when the resident asks for it in 我的, or when WeChat's own font size is set large;
// then every page's root takes the class `care` (app.wxss: 20 px and up) and lists show fewer.
const { install, reply, paginated } = require('./helpers/fake-wx')
const { open, find, settle } = require('./helpers/page')
const care = require('../utils/care')
const f = require('./fixtures')

const SUMMARY = { year: 2026, subjects: 1, eligible_count: 0, unknown_count: 0, expected_fen: 0, claimed_count: 0, claimed_fen: 0, received_count: 0, received_fen: 0 }
const home = () => ({
  'GET /me/summary': reply(200, SUMMARY),
  'GET /me/matches': paginated([]),
  'GET /me/subscriptions/templates': reply(200, { scene: 'home', groups: [] }),
})

test('off by default; on when WeChat is set to large text; the resident decides above both', () => {
  const fake = install({})
  expect(care.isOn()).toBe(false)
  fake.state.fontSizeSetting = 22
  expect(care.isOn()).toBe(true)
  care.set(false)
  expect(care.isOn()).toBe(false)
  fake.state.fontSizeSetting = 17
  care.set(true)
  expect(care.isOn()).toBe(true)
  expect(care.pageSize(20)).toBe(5)
})

test('every page takes WeChat\'s own text size through page-meta, never below 17 px', async () => {
  const fake = install(home())
  fake.state.fontSizeSetting = 22
  let page = await open('pages/index/index')
  expect(page.instance.data.fontSize).toBe('22px')
  // page-meta is the page's first node (its attributes bind fontSize: tests/accessibility.test.js)
  expect(page.dom.firstChild.tagName).toBe('WX-PAGE-META')
  fake.state.fontSizeSetting = 14 // 微信「字体大小」set small: the body stays 17 px
  page = await open('pages/index/index')
  expect(page.instance.data.fontSize).toBe('17px')
})

test('a page in 长辈版 takes the care class and lists five a screen', async () => {
  const fake = install(home())
  care.set(true)
  const page = await open('pages/index/index')
  await settle()
  expect(page.instance.data.care).toBe(true)
  expect(find(page, '.care')).toBeTruthy() // the root view: app.wxss enlarges all under it
  const matches = fake.calls.request.find((r) => r.path === '/me/matches')
  expect(matches.query.page_size).toBe('5')
})

test('the switch in 我的 turns it on and reopens the page', async () => {
  const fake = install({ 'GET /me': reply(200, { id: 42, phone_masked: null, created_at: '2026-11-01T10:00:00+08:00', last_login_at: null, subjects: [f.boundSubject()] }) })
  const page = await open('pages/me/me')
  expect(page.instance.data.care).toBe(false)
  page.instance.toggleCare({ detail: { value: true } })
  expect(care.isOn()).toBe(true)
  expect(fake.calls.navigate).toEqual(['/pages/me/me'])
})
