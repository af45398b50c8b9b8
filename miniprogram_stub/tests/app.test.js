// The app logs in when it starts and keeps the tokens in wx storage.
const { install } = require('./helpers/fake-wx')
const { settle } = require('./helpers/page')
const auth = require('../utils/auth')

test('onLaunch logs in with wx.login → POST /auth/wechat', async () => {
  auth.reset()
  const fake = install({}, { loggedIn: false })
  let app = null
  global.App = (options) => {
    app = options
  }
  require('../app')
  app.onLaunch()
  await settle()
  expect(fake.calls.request.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /auth/wechat'])
  expect(fake.storage.kx_auth).toMatchObject({ access_token: 'access-1', refresh_token: 'refresh-1' })
  expect(auth.currentUser()).toEqual({ id: 1, phone: null })
})
