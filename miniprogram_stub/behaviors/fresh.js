// A page that reads again, quietly, when shown again (after binding, claiming, a push): 首页 and
// 我的. Its answers that did not change come back as 304 (If-None-Match, utils/request.js), so
// this costs the server almost nothing. The page provides load({quiet}).
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
