// Every page: `care` in its data (长辈版 on or off, utils/care.js), read when the page is made;
// the page's root view takes the class `care` then (app.wxss enlarges everything under it).
// And `fontSize`, WeChat's own text size (at least 17 px), which the page's first node,
// <page-meta page-font-size root-font-size>, makes the page's size and 1rem: every size in the
// WXSS is in rem, so the page follows the size the resident set for WeChat.
const care = require('../utils/care')

module.exports = Behavior({
  data: { care: false, fontSize: `${care.pageFontSize()}px` },
  lifetimes: {
    attached() {
      this.setData({ care: care.isOn(), fontSize: `${care.pageFontSize()}px` })
    },
  },
})
