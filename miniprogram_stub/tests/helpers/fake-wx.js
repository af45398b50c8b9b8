// A stand-in for the `wx` object: wx.request answers from canned routes ('GET /me/summary' →
// {status, data, header} or a function of the request), storage is a plain object, and toasts,
// navigation, subscription popups and uploads are recorded for the test to read.
const config = require('../../config')

const LOGIN_ANSWER = {
  access_token: 'access-1',
  refresh_token: 'refresh-1',
  expires_in: 7200,
  user: { id: 1, phone: null },
}

function reply(status, data, header) {
  return { status, data, header: header || {} }
}

function paginated(items, { page = 1, pageSize = 20, total = items.length } = {}) {
  const totalPages = Math.max(1, Math.ceil(total / pageSize))
  const pagination = { total, total_pages: totalPages, first_page: 1, last_page: totalPages, page }
  if (page < totalPages) pagination.next_page = page + 1
  if (page > 1) pagination.previous_page = page - 1
  return reply(200, items, { 'X-Pagination': JSON.stringify(pagination) })
}

function apiError(status, message, errors) {
  const names = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity', 500: 'Internal Server Error' }
  return reply(status, { code: status, status: names[status] || 'Error', message, errors: errors || {} })
}

function parseUrl(url) {
  const base = config.DEFAULT_API_BASE
  const rest = url.indexOf(base) === 0 ? url.slice(base.length) : url
  const [path, search = ''] = rest.split('?')
  const query = {}
  search
    .split('&')
    .filter(Boolean)
    .forEach((pair) => {
      const [k, v = ''] = pair.split('=')
      query[decodeURIComponent(k)] = decodeURIComponent(v)
    })
  return { path, query }
}

// GET /privacy as the API answers it (services/residents/_consent.py)
const PRIVACY = {
  guide: {
    title: '政策快享隐私保护指引',
    version: '2026-12-01',
    operator: '聊城市政策快享服务运营单位',
    sections: [{ heading: '我们收集哪些信息、为了什么', paragraphs: ['身份证号（您单独同意后）：用于核验身份。'] }],
  },
  consents: [
    { purpose: 'privacy', title: '隐私保护指引', version: '2026-12-01', text: '我已阅读并同意《政策快享隐私保护指引》。' },
    { purpose: 'id_number', title: '身份证号收集使用说明', version: '2026-12-01', text: '为核验您的身份并找到您的档案，我们需要收集您的姓名和身份证号。' },
    { purpose: 'bank_card', title: '银行卡号收集使用说明', version: '2026-12-01', text: '为将补贴发放到您的账户，我们需要收集您的银行卡号。' },
  ],
}

function consentRows(agreed) {
  return PRIVACY.consents.map((c) => ({
    purpose: c.purpose,
    version: agreed.indexOf(c.purpose) >= 0 ? c.version : null,
    current_version: c.version,
    granted_at: agreed.indexOf(c.purpose) >= 0 ? '2026-12-01T10:00:00+08:00' : null,
    withdrawn_at: null,
    current: agreed.indexOf(c.purpose) >= 0,
  }))
}

function later(fn) {
  setTimeout(fn, 0)
}

function createWx(routes = {}, { loggedIn = true } = {}) {
  const storage = {}
  if (loggedIn) storage.kx_auth = Object.assign({ expires_at: Date.now() + 7200000 }, LOGIN_ANSWER)
  // unless a test says otherwise: the texts, and a resident who agreed to every one of them
  const table = Object.assign(
    {
      'POST /auth/wechat': reply(200, LOGIN_ANSWER),
      'GET /privacy': reply(200, PRIVACY),
      'GET /me/consents': reply(200, consentRows(['privacy', 'id_number', 'bank_card'])),
    },
    routes,
  )
  const calls = {
    request: [],
    unmatched: [],
    toast: [],
    navigate: [],
    subscribe: [],
    upload: [],
    progress: [],
    chooseMedia: [],
    phone: [],
    badge: [],
    modal: [],
    login: 0,
  }
  // privacy: WeChat's own record of the resident's agreement (__usePrivacyCheck__), the listener
  // the page registered, and the APIs it held back until an answer
  const privacy = { agreed: true, listener: null, asked: [] }
  const state = { modalConfirm: true, subscribeAnswer: null, subscribeFail: null, chosenFile: '/tmp/wx/licence.pdf', chosenPhoto: 'wxfile://tmp_idcard_compressed.jpg', mediaCancelled: false, fontSizeSetting: 17 }

  function answer(key, request) {
    const route = table[key]
    if (route === undefined) {
      calls.unmatched.push(key)
      return apiError(404, '未找到请求的内容')
    }
    return typeof route === 'function' ? route(request) : route
  }

  const wx = {
    calls,
    state,
    routes: table,
    request(options) {
      const { path, query } = parseUrl(options.url)
      const method = (options.method || 'GET').toUpperCase()
      const request = { method, path, query, data: options.data, header: options.header || {} }
      calls.request.push(request)
      later(() => {
        const res = answer(`${method} ${path}`, request)
        if (res === 'network-error') {
          if (options.fail) options.fail({ errMsg: 'request:fail timeout' })
          return
        }
        if (options.success) options.success({ statusCode: res.status, data: res.data, header: res.header || {} })
      })
    },
    uploadFile(options) {
      const { path } = parseUrl(options.url)
      const request = { method: 'POST', path, filePath: options.filePath, name: options.name, formData: options.formData, header: options.header || {} }
      calls.upload.push(request)
      const listeners = []
      later(() => {
        listeners.forEach((listener) => listener({ progress: 50, totalBytesSent: 1024, totalBytesExpectedToSend: 2048 }))
        calls.progress.push(50)
        const res = answer(`UPLOAD ${path}`, request)
        options.success({ statusCode: res.status, data: JSON.stringify(res.data), header: res.header || {} })
      })
      return { onProgressUpdate: (listener) => listeners.push(listener), abort() {} } // an UploadTask
    },
    setTabBarBadge(options) {
      calls.badge.push(options.text)
    },
    removeTabBarBadge() {
      calls.badge.push(null)
    },
    // WeChat's own text size (设置 → 通用 → 字体大小): 17 px unless the resident made it larger
    getSystemInfoSync: () => ({ fontSizeSetting: state.fontSizeSetting, platform: 'devtools' }),
    makePhoneCall(options) {
      calls.phone.push(options.phoneNumber)
    },
    // Like WeChat with __usePrivacyCheck__: a privacy API before the resident agreed calls the
    // page's listener with a resolve; agree lets the API go on, disagree fails it (errno 104).
    onNeedPrivacyAuthorization(listener) {
      privacy.listener = listener
    },
    getPrivacySetting(options) {
      later(() => options.success({ needAuthorization: !privacy.agreed, privacyContractName: '《政策快享隐私保护指引》' }))
    },
    openPrivacyContract(options) {
      calls.navigate.push('privacy-contract')
      if (options && options.success) later(() => options.success({}))
    },
    privacyGate(name, go, fail) {
      if (privacy.agreed) return go()
      privacy.asked.push(name)
      if (!privacy.listener) return fail({ errMsg: `${name}:fail privacy permission is not authorized`, errno: 104 })
      return privacy.listener((answer) => {
        if (answer && answer.event === 'agree') {
          privacy.agreed = true
          privacy.agreedWith = answer.buttonId
          later(go)
        } else {
          later(() => fail({ errMsg: `${name}:fail privacy permission is not authorized`, errno: 104 }))
        }
      }, { referrer: name })
    },
    // Like WeChat: images only, from the sources asked; a compressed photo is a temp .jpg.
    chooseMedia(options) {
      calls.chooseMedia.push({ mediaType: options.mediaType, sourceType: options.sourceType, sizeType: options.sizeType })
      wx.privacyGate('chooseMedia', () => later(() => {
        if (state.mediaCancelled) return options.fail && options.fail({ errMsg: 'chooseMedia:fail cancel' })
        options.success({ type: 'image', tempFiles: [{ tempFilePath: state.chosenPhoto, size: 180000, fileType: 'image' }], errMsg: 'chooseMedia:ok' })
      }), (error) => options.fail && options.fail(error))
    },
    login(options) {
      calls.login += 1
      later(() => options.success({ code: `code-${calls.login}`, errMsg: 'login:ok' }))
    },
    getStorageSync: (key) => (key in storage ? storage[key] : ''),
    setStorageSync: (key, value) => {
      storage[key] = value
    },
    removeStorageSync: (key) => {
      delete storage[key]
    },
    showToast: (options) => calls.toast.push(options.title),
    showLoading: () => {},
    hideLoading: () => {},
    showModal: (options) => {
      calls.modal.push(options.content || options.title)
      later(() => options.success && options.success({ confirm: state.modalConfirm, cancel: !state.modalConfirm }))
    },
    navigateTo: (options) => calls.navigate.push(options.url),
    redirectTo: (options) => calls.navigate.push(options.url),
    switchTab: (options) => calls.navigate.push(options.url),
    navigateBack: () => calls.navigate.push('back'),
    reLaunch: (options) => calls.navigate.push(options.url),
    setNavigationBarTitle: (options) => {
      calls.title = options.title
    },
    stopPullDownRefresh: () => {},
    getAccountInfoSync: () => ({ miniProgram: { envVersion: 'develop', appId: 'touristappid' } }),
    requestSubscribeMessage(options) {
      calls.subscribe.push(options.tmplIds)
      if (state.subscribeFail) {
        const error = state.subscribeFail
        later(() => options.fail && options.fail(error))
        return
      }
      const result = { errMsg: 'requestSubscribeMessage:ok' }
      options.tmplIds.forEach((id) => {
        result[id] = (state.subscribeAnswer && state.subscribeAnswer[id]) || 'accept'
      })
      later(() => options.success && options.success(result))
    },
    chooseMessageFile(options) {
      wx.privacyGate(
        'chooseMessageFile',
        () => later(() => options.success({ tempFiles: [{ path: state.chosenFile, name: 'licence.pdf', size: 2048, type: 'file' }] })),
        (error) => options.fail && options.fail(error),
      )
    },
  }
  wx.storage = storage
  wx.privacy = privacy
  return wx
}

function install(routes, options) {
  const fake = createWx(routes, options)
  global.wx = fake
  return fake
}

module.exports = { createWx, install, reply, paginated, apiError, consentRows, LOGIN_ANSWER, PRIVACY }
