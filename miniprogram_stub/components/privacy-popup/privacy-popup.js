// The popup WeChat's privacy check needs on every page that calls a privacy API (utils/privacy.js).
const privacy = require('../../utils/privacy')

const careBehavior = require('../../behaviors/care')

Component({
  behaviors: [careBehavior],
  options: { styleIsolation: 'apply-shared' },
  data: { shown: false, agreeId: privacy.AGREE_BUTTON },
  lifetimes: {
    attached() {
      privacy.listen(this)
    },
    detached() {
      privacy.forget(this)
    },
  },
  pageLifetimes: {
    show() {
      privacy.listen(this)
    },
  },
  methods: {
    open() {
      this.setData({ shown: true })
    },
    onAgree() {
      this.setData({ shown: false })
      privacy.answer(true)
    },
    onDisagree() {
      this.setData({ shown: false })
      privacy.answer(false)
    },
    openGuide() {
      wx.navigateTo({ url: '/pages/privacy/privacy' })
    },
  },
})
