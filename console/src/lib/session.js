// Who is logged in: the token and the staff user, kept for this browser tab only.
import { ref } from 'vue'

const KEY = 'kx-console'

function load() {
  try {
    return JSON.parse(globalThis.sessionStorage?.getItem(KEY) || 'null')
  } catch {
    return null
  }
}

const saved = load()

export const session = {
  token: ref(saved?.token || null),
  staff: ref(saved?.staff || null),
  save(token, staff) {
    this.token.value = token
    this.staff.value = staff
    globalThis.sessionStorage?.setItem(KEY, JSON.stringify({ token, staff }))
  },
  clear() {
    this.token.value = null
    this.staff.value = null
    globalThis.sessionStorage?.removeItem(KEY)
  },
}
