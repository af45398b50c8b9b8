// Subscribe prompts: prepared on load, asked from the tap with nothing asynchronous before the
// first popup, one popup per group of at most 3, results reported once.
const { install, reply } = require('./helpers/fake-wx')
const { settle } = require('./helpers/page')
const auth = require('../utils/auth')
const subscribe = require('../utils/subscribe')
const f = require('./fixtures')

beforeEach(() => {
  auth.reset()
  subscribe.reset()
})

const groups = (...lists) => ({ scene: 'home', groups: lists.map((ids) => ids.map((id) => f.template(id))) })

test('the first popup opens synchronously inside the tap', async () => {
  const fake = install({ 'GET /me/subscriptions/templates': reply(200, groups(['a', 'b'])), 'POST /me/subscriptions': reply(200, {}) })
  await subscribe.prepare('home')
  const asking = subscribe.ask('home')
  expect(fake.calls.subscribe).toEqual([['a', 'b']]) // before any await
  await expect(asking).resolves.toMatchObject({ asked: 1, results: { a: 'accept', b: 'accept' }, reported: true })
  expect(fake.calls.request.filter((r) => r.path === '/me/subscriptions/templates')[0].query).toEqual({ scene: 'home' })
})

test('a tap before the templates arrived opens nothing and says so', async () => {
  const fake = install({ 'GET /me/subscriptions/templates': reply(200, groups(['a'])) })
  await expect(subscribe.ask('home')).resolves.toMatchObject({ notReady: true })
  expect(fake.calls.subscribe).toEqual([])
  expect(fake.calls.toast).toEqual(['订阅准备中，请稍后再点一次'])
  await settle()
  expect(subscribe.isReady('home')).toBe(true)
})

test('one popup per tap, never one from a callback; groups longer than 3 are split', async () => {
  const fake = install({ 'GET /me/subscriptions/templates': reply(200, groups(['a', 'b', 'c', 'd'], ['long'])), 'POST /me/subscriptions': reply(200, {}) })
  await subscribe.prepare('home')
  const first = await subscribe.ask('home')
  await settle()
  expect(fake.calls.subscribe).toEqual([['a', 'b', 'c']]) // the callback opened nothing
  expect(first).toMatchObject({ asked: 1, left: 2 })
  await subscribe.ask('home')
  await subscribe.ask('home')
  expect(fake.calls.subscribe).toEqual([['a', 'b', 'c'], ['d'], ['long']])
  await subscribe.ask('home') // a new round: the most needed again (one-time rights add up)
  expect(fake.calls.subscribe[3]).toEqual(['a', 'b', 'c'])
})

test('a popup WeChat refused to show is asked first on the next tap', async () => {
  const fake = install({ 'GET /me/subscriptions/templates': reply(200, groups(['a'], ['long'])), 'POST /me/subscriptions': reply(200, {}) })
  await subscribe.prepare('home')
  const real = fake.requestSubscribeMessage
  fake.requestSubscribeMessage = (options) => {
    fake.calls.subscribe.push(options.tmplIds)
    setTimeout(() => options.fail({ errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.', errCode: 10005 }), 0)
  }
  await expect(subscribe.ask('home')).resolves.toMatchObject({ asked: 0, left: 2 })
  fake.requestSubscribeMessage = real
  await subscribe.ask('home')
  expect(fake.calls.subscribe).toEqual([['a'], ['a']])
})

test('nothing chosen means nothing reported', async () => {
  const fake = install({ 'GET /me/subscriptions/templates': reply(200, groups(['a'])) })
  await subscribe.prepare('home')
  fake.state.subscribeFail = { errMsg: 'requestSubscribeMessage:fail', errCode: 20004 }
  await expect(subscribe.ask('home')).resolves.toMatchObject({ asked: 0, results: {}, reported: false })
  expect(fake.calls.request.filter((r) => r.method === 'POST')).toEqual([])
})
