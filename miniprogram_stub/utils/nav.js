// Opening pages: tab pages (app.json tabBar) only open with wx.switchTab, which drops the query.
const TAB_PAGES = ['pages/index/index', 'pages/policies/policies', 'pages/messages/messages', 'pages/me/me']

function pathOf(url) {
  return String(url || '').split('?')[0].replace(/^\//, '')
}

function go(url) {
  const path = pathOf(url)
  if (!path) return
  if (TAB_PAGES.indexOf(path) >= 0) wx.switchTab({ url: `/${path}` })
  else wx.navigateTo({ url: url.charAt(0) === '/' ? url : `/${url}` })
}

module.exports = { TAB_PAGES, go, pathOf }
