// The unread count on the 消息 tab (GET /me/messages/unread-count): set by 首页 when it loads and
// by 消息 as messages are read, so a resident sees there is news without opening the tab.
const MESSAGES_TAB = 2 // app.json tabBar.list: 首页, 政策, 消息, 我的

function showUnread(count) {
  try {
    if (count > 0) wx.setTabBarBadge({ index: MESSAGES_TAB, text: count > 99 ? '99+' : String(count) })
    else wx.removeTabBarBadge({ index: MESSAGES_TAB })
  } catch (e) {
    // not on a tab page (a deep link): the next tab page shows it
  }
}

module.exports = { showUnread, MESSAGES_TAB }
