// A page that reads again, quietly, when shown again (after binding, claiming, a push): 首页,
// 我的 and 事项详情. Its answers that did not change come back as 304 (If-None-Match, utils/request.js), so
// this costs the server almost nothing. The page provides load({quiet}). The item page too: back
// from 一键办理 or 补充信息, its next step is the new one.
module.exports = Behavior({
  methods: {
    onShow() {
      if (!this.shownOnce) {
        this.shownOnce = true // onLoad has just read
        return null
      }
      return this.load({ quiet: true })
    },
  },
})
