// Shown in place of a form that would collect the 身份证号 or a bank card, until the resident agrees
// to that purpose's text (utils/consent.js); then it fires `agreed` and the page shows the form.
const consent = require('../../utils/consent')

const careBehavior = require('../../behaviors/care')

Component({
  behaviors: [careBehavior],
  options: { styleIsolation: 'apply-shared' },
  properties: { purpose: { type: String, value: 'id_number' } },
  data: { title: '', text: '', version: '', error: '', saving: false },
  lifetimes: {
    attached() {
      consent
        .textOf(this.properties.purpose)
        .then((text) => this.setData({ title: text.title, text: text.text, version: text.version }))
        .catch((error) => this.setData({ error: error.message }))
    },
  },
  methods: {
    onAgree() {
      this.setData({ saving: true, error: '' })
      consent
        .agree(this.properties.purpose)
        .then(() => {
          this.setData({ saving: false })
          this.triggerEvent('agreed', { purpose: this.properties.purpose })
        })
        .catch((error) => this.setData({ saving: false, error: error.message }))
    },
    onLater() {
      this.triggerEvent('declined', { purpose: this.properties.purpose })
    },
  },
})
