// Pages reach the API only through here: call(name, {params, query, body}) looks the request up
// in utils/endpoints.js, fills the path and refuses any field the table does not list, so the
// table is the whole of what this client sends (and what the contract test checks).
const endpoints = require('./endpoints')
const { request, upload, idempotencyKey } = require('./request')
const http = require('./http')

function spec(name) {
  const found = endpoints[name]
  if (!found) throw new Error(`api: unknown endpoint ${name}`)
  return found
}

function checkFields(name, kind, given, allowed) {
  const extra = Object.keys(given || {}).filter((key) => (allowed || []).indexOf(key) < 0)
  if (extra.length) throw new Error(`api.${name}: ${kind} field(s) not declared in endpoints.js: ${extra.join(', ')}`)
}

function fillPath(name, path, params) {
  return path.replace(/\{(\w+)\}/g, (whole, key) => {
    const value = (params || {})[key]
    if (value === undefined || value === null || value === '') throw new Error(`api.${name}: missing ${key}`)
    return encodeURIComponent(String(value))
  })
}

function prepare(name, { params, query, body, header } = {}) {
  const endpoint = spec(name)
  checkFields(name, 'query', query, endpoint.query)
  checkFields(name, 'body', body, endpoint.body)
  checkFields(name, 'header', header, endpoint.headers)
  return {
    method: endpoint.method,
    path: fillPath(name, endpoint.path, params),
    query,
    data: body,
    header,
    auth: endpoint.auth !== false,
  }
}

// call(name, options) → the answer's body.
function call(name, options = {}) {
  try {
    const prepared = prepare(name, options)
    return request(Object.assign(prepared, { silent: !!options.silent })).then((res) => res.data)
  } catch (error) {
    return Promise.reject(error)
  }
}

// The X-Pagination header flask-smorest sets: {total, total_pages, first_page, last_page, page, next_page?}.
function paginationOf(res) {
  const raw = http.headerValue(res.header, 'X-Pagination')
  if (!raw) return null
  try {
    return typeof raw === 'string' ? JSON.parse(raw) : raw
  } catch (e) {
    return null
  }
}

// page(name, options) → {items, pagination, hasMore}.
function page(name, options = {}) {
  try {
    if (!spec(name).paginated) throw new Error(`api.${name} is not paginated`)
    const prepared = prepare(name, options)
    return request(Object.assign(prepared, { silent: !!options.silent })).then((res) => {
      const pagination = paginationOf(res)
      const items = Array.isArray(res.data) ? res.data : []
      return { items, pagination, hasMore: !!(pagination && pagination.next_page) }
    })
  } catch (error) {
    return Promise.reject(error)
  }
}

// uploadFile(name, {filePath, formData, onProgress}) → the answer's body (multipart, one file).
function uploadFile(name, { filePath, formData, silent, onProgress } = {}) {
  try {
    const endpoint = spec(name)
    const fields = endpoint.multipart || []
    checkFields(name, 'multipart', Object.assign({ file: true }, formData), fields)
    return upload({ path: fillPath(name, endpoint.path, {}), filePath, name: 'file', formData, silent, onProgress }).then(
      (res) => res.data,
    )
  } catch (error) {
    return Promise.reject(error)
  }
}

module.exports = { call, page, uploadFile, idempotencyKey, endpoints }
