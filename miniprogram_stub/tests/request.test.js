// The request wrapper: bearer token, status checks, the one error shape, 401 → one refresh shared
// by concurrent requests → one retry, re-login when the refresh fails, Idempotency-Key kept.
const { install, reply, apiError, LOGIN_ANSWER } = require('./helpers/fake-wx')
const { settle } = require('./helpers/page')
const api = require('../utils/api')
const auth = require('../utils/auth')
const { request } = require('../utils/request')
const { ApiError } = require('../utils/errors')

beforeEach(() => auth.reset())

const bearer = (r) => r.header.Authorization

test('logs in first when no token is kept, then sends the bearer token', async () => {
  const fake = install({ 'GET /me': reply(200, { id: 1 }) }, { loggedIn: false })
  await expect(api.call('me')).resolves.toEqual({ id: 1 })
  expect(fake.calls.login).toBe(1)
  const [login, me] = fake.calls.request
  expect([login.method, login.path, login.data]).toEqual(['POST', '/auth/wechat', { code: 'code-1' }])
  expect(bearer(login)).toBeUndefined()
  expect(bearer(me)).toBe('Bearer access-1')
  expect(fake.storage.kx_auth.refresh_token).toBe('refresh-1')
})

test('concurrent first requests share one login', async () => {
  const fake = install({ 'GET /me': reply(200, {}), 'GET /me/summary': reply(200, {}) }, { loggedIn: false })
  await Promise.all([api.call('me'), api.call('summary'), api.call('me')])
  expect(fake.calls.login).toBe(1)
  expect(fake.calls.request.filter((r) => r.path === '/auth/wechat')).toHaveLength(1)
})

test('a 401 refreshes once for all concurrent requests and retries each once', async () => {
  const expired = (req) => (bearer(req) === 'Bearer access-2' ? reply(200, { ok: req.path }) : apiError(401, '登录已过期，请重新登录'))
  const fake = install({
    'GET /me': expired,
    'GET /me/summary': expired,
    'GET /me/grants': expired,
    'POST /auth/refresh': reply(200, { ...LOGIN_ANSWER, access_token: 'access-2', refresh_token: 'refresh-2', user: undefined }),
  })
  const answers = await Promise.all([api.call('me'), api.call('summary'), api.call('grants')])
  expect(answers).toEqual([{ ok: '/me' }, { ok: '/me/summary' }, { ok: '/me/grants' }])
  const refreshes = fake.calls.request.filter((r) => r.path === '/auth/refresh')
  expect(refreshes).toHaveLength(1)
  expect(refreshes[0].data).toEqual({ refresh_token: 'refresh-1' })
  expect(fake.calls.request.filter((r) => r.path === '/me')).toHaveLength(2)
  expect(fake.storage.kx_auth.refresh_token).toBe('refresh-2')
  expect(fake.storage.kx_auth.user).toEqual(LOGIN_ANSWER.user) // a refresh keeps the user
  expect(fake.calls.toast).toEqual([])
})

test('when the refresh is refused it logs in again, then retries', async () => {
  const fake = install({
    'GET /me': (req) => (bearer(req) === 'Bearer access-3' ? reply(200, { id: 1 }) : apiError(401, '请重新登录')),
    'POST /auth/refresh': apiError(401, '刷新令牌无效、已过期或已被使用，请重新登录'),
    'POST /auth/wechat': reply(200, { ...LOGIN_ANSWER, access_token: 'access-3' }),
  })
  await expect(api.call('me')).resolves.toEqual({ id: 1 })
  expect(fake.calls.login).toBe(1)
  expect(fake.calls.request.map((r) => r.path)).toEqual(['/me', '/auth/refresh', '/auth/wechat', '/me'])
})

test('a second 401 after the retry is the error (no loop)', async () => {
  const fake = install({
    'GET /me': apiError(401, '请重新登录'),
    'POST /auth/refresh': reply(200, { ...LOGIN_ANSWER, access_token: 'access-2' }),
  })
  await expect(api.call('me')).rejects.toMatchObject({ status: 401, message: '请重新登录' })
  expect(fake.calls.request.filter((r) => r.path === '/me')).toHaveLength(2)
  expect(fake.calls.toast).toEqual(['请重新登录'])
})

test('an error answer becomes an ApiError with field errors, and a toast', async () => {
  const fake = install({
    'POST /me/subjects': apiError(422, '输入内容有误，请检查后重试', { json: { id_number: ['身份证号校验位不正确'] } }),
  })
  const error = await api.call('bindSubject', { body: { kind: 'person', name: '张三', id_number: '1' } }).catch((e) => e)
  expect(error).toBeInstanceOf(ApiError)
  expect(error.status).toBe(422)
  expect(error.fieldMessage('id_number')).toBe('身份证号校验位不正确')
  expect(fake.calls.toast).toEqual(['输入内容有误，请检查后重试'])
})

test('success with a 5xx status is still an error; silent calls show no toast', async () => {
  const fake = install({ 'GET /me': reply(502, '<html>Bad Gateway</html>') })
  await expect(api.call('me', { silent: true })).rejects.toMatchObject({ status: 502, message: '服务暂时不可用，请稍后再试' })
  expect(fake.calls.toast).toEqual([])
})

test('a network failure rejects with a readable message', async () => {
  const fake = install({ 'GET /me': 'network-error' })
  await expect(api.call('me')).rejects.toMatchObject({ status: 0, message: '网络连接失败，请稍后重试' })
  expect(fake.calls.toast).toEqual(['网络连接失败，请稍后重试'])
})

test('the Idempotency-Key of a claim survives the retry after a refresh', async () => {
  const fake = install({
    'POST /claims': (req) => (bearer(req) === 'Bearer access-2' ? reply(201, { id: 5 }) : apiError(401, '登录已过期')),
    'POST /auth/refresh': reply(200, { ...LOGIN_ANSWER, access_token: 'access-2' }),
  })
  const key = api.idempotencyKey()
  await api.call('submitClaim', { body: { item_id: 1, subject_id: 2, form: {} }, header: { 'Idempotency-Key': key } })
  const sent = fake.calls.request.filter((r) => r.path === '/claims')
  expect(sent.map((r) => r.header['Idempotency-Key'])).toEqual([key, key])
  expect(api.idempotencyKey()).not.toBe(key)
})

test('fields not declared in endpoints.js are refused before any request', async () => {
  const fake = install({})
  await expect(api.call('me', { query: { secret: 1 } })).rejects.toThrow(/not declared/)
  await expect(api.call('bindPhone', { body: { code: 'x', openid: 'o' } })).rejects.toThrow(/openid/)
  await expect(api.call('item', {})).rejects.toThrow(/missing item_id/)
  expect(fake.calls.request).toEqual([])
})

test('pagination comes from the X-Pagination header', async () => {
  install({
    'GET /me/messages': reply(200, [{ id: 1 }], { 'x-pagination': JSON.stringify({ total: 30, page: 1, next_page: 2 }) }),
  })
  const answer = await api.page('messages', { query: { page: 1, page_size: 20 } })
  expect(answer).toMatchObject({ items: [{ id: 1 }], hasMore: true, pagination: { total: 30 } })
})

test('the API base can be pointed at another server', async () => {
  const config = require('../config')
  const fake = install({})
  fake.setStorageSync('kx_api_base', 'https://kx.example.gov.cn/api/v1/')
  expect(config.apiBase()).toBe('https://kx.example.gov.cn/api/v1')
  config.setApiBase('')
  expect(config.apiBase()).toBe(config.DEFAULT_API_BASE)
  await settle()
})

test('request() works without the endpoint table for the wrapper itself', async () => {
  install({ 'GET /me': reply(200, { id: 9 }) })
  const res = await request({ path: '/me' })
  expect(res.statusCode).toBe(200)
  expect(res.data).toEqual({ id: 9 })
})

test('money and times read as a resident expects', () => {
  const fmt = require('../utils/format')
  expect(fmt.yuan(480000)).toBe('4,800元')
  expect(fmt.yuan(123456)).toBe('1,234.56元')
  expect(fmt.yuan(5)).toBe('0.05元')
  expect(fmt.yuan(null)).toBe('')
  expect(fmt.shanghaiTime('2026-11-27T01:30:00Z')).toBe('2026-11-27 09:30')
  expect(fmt.shanghaiTime('2026-11-27T17:30:00')).toBe('2026-11-28 01:30') // no offset: UTC
  expect(fmt.shanghaiTime('2026-12-31T23:59:59+08:00', false)).toBe('2026-12-31')
  expect(fmt.shanghaiTime('2026-03-10')).toBe('2026-03-10')
})
