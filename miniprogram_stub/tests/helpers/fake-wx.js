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

function later(fn) {
  setTimeout(fn, 0)
}

function createWx(routes = {}, { loggedIn = true } = {}) {
  const storage = {}
  if (loggedIn) storage.kx_auth = Object.assign({ expires_at: Date.now() + 7200000 }, LOGIN_ANSWER)
  const table = Object.assign({ 'POST /auth/wechat': reply(200, LOGIN_ANSWER) }, routes)
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
    // Like WeChat: images only, from the sources asked; a compressed photo is a temp .jpg.
    chooseMedia(options) {
      calls.chooseMedia.push({ mediaType: options.mediaType, sourceType: options.sourceType, sizeType: options.sizeType })
      later(() => {
        if (state.mediaCancelled) return options.fail && options.fail({ errMsg: 'chooseMedia:fail cancel' })
        options.success({ type: 'image', tempFiles: [{ tempFilePath: state.chosenPhoto, size: 180000, fileType: 'image' }], errMsg: 'chooseMedia:ok' })
      })
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
      later(() =>
        options.success({ tempFiles: [{ path: state.chosenFile, name: 'licence.pdf', size: 2048, type: 'file' }] }),
      )
    },
  }
  wx.storage = storage
  return wx
}

function install(routes, options) {
  const fake = createWx(routes, options)
  global.wx = fake
  return fake
}

module.exports = { createWx, install, reply, paginated, apiError, LOGIN_ANSWER }
