// The admin API (/api/v1/admin): JSON in and out, the bearer token, and the one error shape
// ({code, message, errors}) turned into an ApiError whose `fields` map a field to its messages.
import { session } from './session.js'

export const BASE = '/api/v1/admin'

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `请求失败（${status}）`)
    this.status = status
    this.fields = flattenErrors(body?.errors)
  }
}

// Field errors by field: {json: {key: ['…']}} and {key: ['…']} both become {key: ['…']};
// nested ones are joined with dots ({choices: {1: ['…']}} → {'choices.1': ['…']}).
export function flattenErrors(errors, prefix = '') {
  const out = {}
  if (!errors || typeof errors !== 'object') return out
  for (const [key, value] of Object.entries(errors)) {
    const path = prefix ? `${prefix}.${key}` : key === 'json' || key === 'query' ? '' : key
    if (Array.isArray(value)) out[path || key] = value.map(String)
    else Object.assign(out, flattenErrors(value, path))
  }
  return out
}

export async function request(method, path, body, options = {}) {
  return (await exchange(method, path, body, options)).data
}

// A paginated list: the items and the X-Pagination header's figures ({total, total_pages, …}).
export async function page(path, options = {}) {
  const { data, headers } = await exchange('GET', path, undefined, options)
  const pagination = JSON.parse(headers.get('X-Pagination') || '{}')
  return { items: data || [], total: pagination.total ?? (data || []).length, pagination }
}

async function exchange(method, path, body, { fetchImpl = globalThis.fetch } = {}) {
  const headers = { Accept: 'application/json' }
  const form = typeof FormData !== 'undefined' && body instanceof FormData
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json'
  if (session.token.value) headers.Authorization = `Bearer ${session.token.value}`
  const response = await fetchImpl(path.startsWith('/api/') ? path : BASE + path, {
    method,
    headers,
    body: body === undefined ? undefined : form ? body : JSON.stringify(body),
  })
  const text = await response.text()
  const data = text ? JSON.parse(text) : null
  if (response.status === 401 && !path.endsWith('/auth/login')) session.clear()
  if (!response.ok) {
    const error = new ApiError(response.status, data)
    error.body = data
    throw error
  }
  return { data, headers: response.headers }
}

// A file the API serves (a claim's material): a Blob, fetched with the token.
export async function blob(path, { fetchImpl = globalThis.fetch } = {}) {
  const headers = session.token.value ? { Authorization: `Bearer ${session.token.value}` } : {}
  const response = await fetchImpl(path, { headers })
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null))
  return response.blob()
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body),
  patch: (path, body) => request('PATCH', path, body),
  put: (path, body) => request('PUT', path, body),
  del: (path) => request('DELETE', path),
  page: (path) => page(path),
}
