// Every page: `care` in its data (长辈版 on or off, utils/care.js), read when the page is made;
// the page's root view takes the class `care` then (app.wxss enlarges everything under it).
const care = require('../utils/care')

module.exports = Behavior({
  data: { care: false },
  lifetimes: {
    attached() {
      this.setData({ care: care.isOn() })
    },
  },
})
