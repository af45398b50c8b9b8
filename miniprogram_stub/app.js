// The app: log in when it starts (wx.login → POST /auth/wechat); pages wait for that login through
// utils/request.js, which also logs in again when the tokens are gone.
const auth = require('./utils/auth')

App({
  onLaunch() {
    auth.ensureLogin().catch(() => {
      // the first page's request retries the login and shows the error to the resident
    })
  },
})
