// Where the backend's resident API lives. The default serves local development (`make run`);
// a build for trial or release sets its own HTTPS, ICP-registered domain here (wx.request only
// reaches domains configured in 开发设置 → 服务器域名), and a tester can point one device at
// another server with setApiBase (kept in storage).
const DEFAULT_API_BASE = 'http://127.0.0.1:5000/api/v1'
const API_BASE_BY_ENV = {
  develop: DEFAULT_API_BASE,
  trial: DEFAULT_API_BASE,
  release: DEFAULT_API_BASE,
}
const OVERRIDE_KEY = 'kx_api_base'

function envVersion() {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion || 'develop'
  } catch (e) {
    return 'develop'
  }
}

function apiBase() {
  let override = ''
  try {
    override = wx.getStorageSync(OVERRIDE_KEY)
  } catch (e) {
    override = ''
  }
  const base = override || API_BASE_BY_ENV[envVersion()] || DEFAULT_API_BASE
  return base.replace(/\/+$/, '')
}

function setApiBase(base) {
  if (base) wx.setStorageSync(OVERRIDE_KEY, base)
  else wx.removeStorageSync(OVERRIDE_KEY)
}

module.exports = { DEFAULT_API_BASE, apiBase, setApiBase }
