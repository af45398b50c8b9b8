// One error type for every failed call: what the API said, in its one error shape
// {code, status, message, errors}, with field-level errors kept for forms.
const NETWORK_MESSAGE = '网络连接失败，请稍后重试'
const FALLBACK_MESSAGES = {
  401: '请先登录',
  403: '无权进行此操作',
  404: '未找到请求的内容',
  409: '当前状态不允许此操作',
  413: '上传内容过大',
  422: '输入内容有误，请检查后重试',
  429: '请求过于频繁，请稍后再试',
}

class ApiError extends Error {
  constructor({ status = 0, message, errors, code } = {}) {
    super(message || FALLBACK_MESSAGES[status] || (status ? '服务暂时不可用，请稍后再试' : NETWORK_MESSAGE))
    this.name = 'ApiError'
    this.status = status
    this.code = code || status
    this.errors = errors || {}
  }

  // The first message for one field ('id_number') or for a nested one ('json.form.phone').
  fieldMessage(field) {
    const found = findField(this.errors, field)
    if (Array.isArray(found)) return String(found[0])
    return found ? String(found) : ''
  }
}

function findField(errors, field) {
  if (!errors || typeof errors !== 'object') return undefined
  if (Object.prototype.hasOwnProperty.call(errors, field)) return errors[field]
  for (const key of Object.keys(errors)) {
    const nested = errors[key]
    if (nested && typeof nested === 'object' && !Array.isArray(nested)) {
      const hit = findField(nested, field)
      if (hit !== undefined) return hit
    }
  }
  return undefined
}

// Build an ApiError from a wx.request/wx.uploadFile answer whose status is not 2xx.
function fromResponse(statusCode, body) {
  let data = body
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data)
    } catch (e) {
      data = {}
    }
  }
  data = data || {}
  return new ApiError({
    status: statusCode,
    message: typeof data.message === 'string' ? data.message : undefined,
    errors: data.errors,
    code: data.code,
  })
}

// Every field error as {leaf field name: first message}: the API nests them by location
// ({"json": {"form": {"phone": [...]}}}) or names them with dots ({"facts.age": [...]}).
function fieldErrors(error) {
  const found = {}
  const walk = (node, prefix) => {
    Object.keys(node || {}).forEach((key) => {
      const value = node[key]
      const path = prefix ? `${prefix}.${key}` : key
      if (Array.isArray(value)) found[path.split('.').pop()] = value.map(String).join('；')
      else if (value && typeof value === 'object') walk(value, path)
      else if (value) found[path.split('.').pop()] = String(value)
    })
  }
  walk(error && error.errors, '')
  return found
}

function networkError(errMsg) {
  const error = new ApiError({ status: 0 })
  error.detail = errMsg || ''
  return error
}

module.exports = { ApiError, fromResponse, fieldErrors, networkError, NETWORK_MESSAGE }
