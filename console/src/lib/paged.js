// A paginated list of the admin API for a page: its items, total, current page, loading state
// and problem; `load()` fetches the current page, `search()` goes back to the first.
import { ref } from 'vue'

import { api } from './api.js'

export function usePagedList(pathFor) {
  const items = ref([])
  const total = ref(0)
  const current = ref(1)
  const loading = ref(false)
  const problem = ref('')

  async function load() {
    loading.value = true
    problem.value = ''
    try {
      const answer = await api.page(pathFor(current.value))
      items.value = answer.items
      total.value = answer.total
    } catch (error) {
      problem.value = error.message
    } finally {
      loading.value = false
    }
  }

  function search() {
    current.value = 1
    return load()
  }

  return { items, total, current, loading, problem, load, search }
}
