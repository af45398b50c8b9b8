// 长辈版 (care mode): larger type, the main action first, fewer items a screen. On when the
// resident switches it on in 我的, or when WeChat's own font size is set large (设置 → 通用 →
// 字体大小), so an elderly resident who already asked their phone for big text gets it here too.
const KEY = 'kx_care'
const LARGE_SYSTEM_FONT = 20 // px: WeChat's default is 17

function systemFontSize() {
  try {
    return wx.getSystemInfoSync().fontSizeSetting || 17
  } catch (e) {
    return 17
  }
}

function isOn() {
  let chosen = ''
  try {
    chosen = wx.getStorageSync(KEY)
  } catch (e) {
    chosen = ''
  }
  if (chosen === 'on') return true
  if (chosen === 'off') return false
  return systemFontSize() >= LARGE_SYSTEM_FONT
}

function set(on) {
  wx.setStorageSync(KEY, on ? 'on' : 'off')
}

// The page's text size (page-meta): WeChat's own, never below its default of 17 px.
function pageFontSize() {
  return Math.max(17, systemFontSize())
}

// Items a list shows at once: fewer in care mode, so each is large and the screen calm.
function pageSize(normal) {
  return isOn() ? Math.min(normal, 5) : normal
}

module.exports = { isOn, set, pageSize, pageFontSize, systemFontSize, LARGE_SYSTEM_FONT }
