const api = require('../utils/api')
// 消息 and 我的 as a resident sees them.
const { install, reply, paginated, apiError } = require('./helpers/fake-wx')
const { open, text, tap, find, settle } = require('./helpers/page')
const auth = require('../utils/auth')
const subscribe = require('../utils/subscribe')
const f = require('./fixtures')

beforeEach(() => {
  auth.reset()
  subscribe.reset()
})

describe('消息', () => {
  test('lists messages with the unread count; opening one marks it read and opens its page', async () => {
    const fake = install({
      'GET /me/messages': paginated([f.message(), f.message({ id: 1025, title: '新政策提醒', body: '您可能符合「一次性创业补贴」', page: 'pages/index/index?from=push', read: true, push: 'waiting' })]),
      'GET /me/messages/unread-count': reply(200, { unread: 1 }),
      'POST /me/messages/1024/read': reply(200, f.message({ read: true })),
      'POST /me/messages/read-all': reply(200, { marked: 0 }),
    })
    const page = await open('pages/messages/messages')
    const seen = text(page)
    expect(seen).toContain('1 条未读')
    expect(seen).toContain('您申请的「高龄津贴」已通过审核。')
    expect(seen).toContain('2026-11-27 09:30')
    expect(seen).toContain('未推送：需订阅此类提醒')
    await tap(page, '.message')
    await settle()
    expect(fake.calls.request.map((r) => `${r.method} ${r.path}`)).toContain('POST /me/messages/1024/read')
    expect(fake.calls.navigate).toEqual(['/pages/claim/claim?id=41'])
    expect(text(find(page, '#unread'))).toBe('全部已读')
  })

  test('a message opening a tab page uses switchTab, read-all clears the count', async () => {
    const fake = install({
      'GET /me/messages': paginated([f.message({ page: 'pages/index/index?from=push', read: true }), f.message({ id: 2 })]),
      'GET /me/messages/unread-count': reply(200, { unread: 1 }),
      'POST /me/messages/read-all': reply(200, { marked: 1 }),
    })
    const page = await open('pages/messages/messages')
    await tap(page, '.message')
    expect(fake.calls.navigate).toEqual(['/pages/index/index'])
    await tap(page, '#read-all')
    await settle()
    expect(text(find(page, '#unread'))).toBe('全部已读')
    expect(page.querySelector('.unread')).toBeUndefined()
  })

  test('empty and error states', async () => {
    install({ 'GET /me/messages': paginated([]), 'GET /me/messages/unread-count': reply(200, { unread: 0 }) })
    expect(text(await open('pages/messages/messages'))).toContain('暂无消息')
    install({ 'GET /me/messages': apiError(503, '服务暂时不可用，请稍后再试') })
    expect(text(await open('pages/messages/messages'))).toContain('加载失败：服务暂时不可用，请稍后再试')
  })
})

describe('我的', () => {
  const me = (overrides = {}) => ({ id: 42, phone_masked: null, created_at: '2026-11-01T10:00:00+08:00', last_login_at: null, subjects: [f.boundSubject()], ...overrides })

  test('shows my identities masked and binds a person', async () => {
    const fake = install({
      'GET /me': (req) => reply(200, fake.calls.request.some((r) => r.method === 'POST') ? me({ subjects: [f.boundSubject(), f.boundSubject({ subject_id: 4, name: '李*', identifier: '3****************8' })] }) : me()),
      'POST /me/subjects': reply(200, f.boundSubject({ subject_id: 4, name: '李*' })),
    })
    const page = await open('pages/me/me')
    expect(text(find(page, '#identities'))).toContain('个人 · 张* 本人')
    expect(text(page)).toContain('3****************4')
    expect(text(find(page, '#phone-number'))).toBe('未绑定')

    await tap(page, '#open-bind')
    page.instance.onInput({ currentTarget: { dataset: { field: 'name' } }, detail: { value: '李四' } })
    page.instance.onInput({ currentTarget: { dataset: { field: 'id_number' } }, detail: { value: '371502199001015678' } })
    await tap(page, '#bind')
    await settle()
    expect(fake.calls.request.find((r) => r.method === 'POST').data).toEqual({ kind: 'person', name: '李四', id_number: '371502199001015678' })
    expect(text(find(page, '#identities'))).toContain('李*')
    expect(page.querySelector('#bind-form')).toBeUndefined()
  })

  test('binds an enterprise as its agent; a refused binding shows the field error', async () => {
    const fake = install({
      'GET /me': reply(200, me({ subjects: [] })),
      'POST /me/subjects': apiError(422, '信息有误、未通过核验', { json: { uscc: ['统一社会信用代码校验位不正确'] } }),
    })
    const page = await open('pages/me/me')
    expect(text(page)).toContain('还没有绑定身份')
    await tap(page, '#open-bind')
    await tap(page, '#kind-enterprise')
    page.instance.onInput({ currentTarget: { dataset: { field: 'uscc' } }, detail: { value: '91371500MA3C4L7X1Q' } })
    page.instance.onRelation({ detail: { value: 1 } })
    page.instance.onInput({ currentTarget: { dataset: { field: 'rep_name' } }, detail: { value: '王五' } })
    page.instance.onInput({ currentTarget: { dataset: { field: 'rep_id_number' } }, detail: { value: '371502199001011234' } })
    await tap(page, '#bind')
    await settle()
    expect(fake.calls.request.find((r) => r.method === 'POST').data).toEqual({
      kind: 'enterprise',
      uscc: '91371500MA3C4L7X1Q',
      relation: 'agent',
      representative: { name: '王五', id_number: '371502199001011234' },
    })
    expect(text(find(page, '#bind-form'))).toContain('统一社会信用代码校验位不正确')
    expect(text(find(page, '#bind-error'))).toBe('信息有误、未通过核验')
  })

  test('binds the phone number from the getPhoneNumber button', async () => {
    const fake = install({ 'GET /me': reply(200, me()), 'POST /me/phone': reply(200, { phone_masked: '138****5678' }) })
    const page = await open('pages/me/me')
    await page.instance.onPhone({ detail: { code: 'phone-code-1', errMsg: 'getPhoneNumber:ok' } })
    expect(fake.calls.request.find((r) => r.path === '/me/phone').data).toEqual({ code: 'phone-code-1' })
    expect(text(find(page, '#phone-number'))).toBe('138****5678')
    await page.instance.onPhone({ detail: { errMsg: 'getPhoneNumber:fail user deny' } })
    expect(text(find(page, '#phone-error'))).toBe('未授权手机号')
  })

  test('unbinds after asking, subscribes from a tap, and logs out', async () => {
    const fake = install({
      'GET /me': reply(200, me()),
      'DELETE /me/subjects/3': reply(204, ''),
      'GET /me/subscriptions/templates': reply(200, { scene: 'home', groups: [[f.template('tpl-new')]] }),
      'POST /me/subscriptions': reply(200, { templates: [] }),
      'POST /auth/logout': reply(204, ''),
    })
    const page = await open('pages/me/me')
    await tap(page, '.unbind')
    await settle()
    expect(fake.calls.modal).toHaveLength(1)
    expect(fake.calls.request.some((r) => r.method === 'DELETE' && r.path === '/me/subjects/3')).toBe(true)

    fake.state.subscribeAnswer = { 'tpl-new': 'reject' }
    await tap(page, '#subscribe')
    await settle()
    expect(fake.calls.request.find((r) => r.path === '/me/subscriptions' && r.method === 'POST').data).toEqual({ results: { 'tpl-new': 'reject' } })
    expect(text(find(page, '#subscribe-note'))).toBe('未订阅提醒')

    await tap(page, '#logout')
    await settle()
    const logout = fake.calls.request.find((r) => r.path === '/auth/logout')
    expect(logout.data).toEqual({ refresh_token: 'refresh-1' })
    expect(logout.header.Authorization).toBeUndefined()
    expect(fake.storage.kx_auth).toBeUndefined()
    expect(text(page)).toContain('您已退出登录')

    // nothing logs in by itself now: another page's read is refused without a wx.login
    const logins = fake.calls.login
    await expect(api.call('me', { silent: true })).rejects.toMatchObject({ status: 401, message: '您已退出登录，请在「我的」中重新登录' })
    expect(fake.calls.login).toBe(logins)
    await tap(page, '#login') // only 登录 brings the resident back
    await settle()
    expect(fake.calls.login).toBe(logins + 1)
    expect(fake.storage.kx_auth.access_token).toBe('access-1')
    expect(text(page)).not.toContain('您已退出登录')
  })

  test('deleting the account asks first, then leaves nothing to log in with', async () => {
    const fake = install({ 'GET /me': reply(200, me()), 'DELETE /me': reply(204, '') })
    const page = await open('pages/me/me')
    fake.state.modalConfirm = false
    await tap(page, '#delete-account')
    await settle()
    expect(fake.calls.request.some((r) => r.method === 'DELETE' && r.path === '/me')).toBe(false)
    fake.state.modalConfirm = true
    await tap(page, '#delete-account')
    await settle()
    expect(fake.calls.request.filter((r) => r.method === 'DELETE' && r.path === '/me')).toHaveLength(1)
    expect(text(page)).toContain('账号已注销')
    expect(fake.storage.kx_auth).toBeUndefined()
    const logins = fake.calls.login
    await expect(api.call('me', { silent: true })).rejects.toMatchObject({ status: 401 })
    expect(fake.calls.login).toBe(logins) // not logged in again behind the resident's back
  })

  test('an error loading me is shown', async () => {
    install({ 'GET /me': apiError(500, '服务器内部错误，请稍后再试') })
    expect(text(await open('pages/me/me'))).toContain('加载失败：服务器内部错误，请稍后再试')
  })
})
