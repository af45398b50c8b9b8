// The one place that calls wx.request / wx.uploadFile: promises that resolve for any HTTP status
// (wx.request's success fires for 4xx and 5xx too) and reject only when nothing came back.
const config = require('../config')
const { networkError } = require('./errors')

function buildUrl(path, query) {
  const pairs = []
  Object.keys(query || {}).forEach((key) => {
    const value = query[key]
    if (value === undefined || value === null || value === '') return
    pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
  })
  const url = `${config.apiBase()}${path}`
  return pairs.length ? `${url}?${pairs.join('&')}` : url
}

function send({ method, url, data, header }) {
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method,
      data,
      header: Object.assign({ 'content-type': 'application/json' }, header),
      timeout: 15000,
      success: (res) => resolve({ statusCode: res.statusCode, data: res.data, header: res.header || {} }),
      fail: (err) => reject(networkError(err && err.errMsg)),
    })
  })
}

// onProgress(percent) follows the upload (wx.uploadFile's task), for a progress bar.
function upload({ url, filePath, name, formData, header, onProgress }) {
  return new Promise((resolve, reject) => {
    const task = wx.uploadFile({
      url,
      filePath,
      name,
      formData,
      header,
      timeout: 60000,
      success: (res) => {
        let data = res.data
        try {
          data = JSON.parse(res.data)
        } catch (e) {
          // keep the raw text; a non-JSON answer becomes an error below or stays as is
        }
        resolve({ statusCode: res.statusCode, data, header: res.header || {} })
      },
      fail: (err) => reject(networkError(err && err.errMsg)),
    })
    if (onProgress && task && task.onProgressUpdate) task.onProgressUpdate((p) => onProgress(p.progress))
  })
}

function ok(statusCode) {
  return statusCode >= 200 && statusCode < 300
}

// A header by name, whatever its case (WeChat keeps the server's case, tests may not).
function headerValue(header, name) {
  const wanted = name.toLowerCase()
  const key = Object.keys(header || {}).find((k) => k.toLowerCase() === wanted)
  return key ? header[key] : undefined
}

module.exports = { buildUrl, send, upload, ok, headerValue }
