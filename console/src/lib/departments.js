// Department names by id, for the roles a staff user holds in them (「申请审核（市民政局）」):
// loaded once per login, shared by the frame and the pages.
import { ref, watch } from 'vue'

import { api } from './api.js'
import { session } from './session.js'

export const departmentNames = ref({})

watch(
  () => session.staff.value,
  async (staff) => {
    departmentNames.value = {}
    if (!(staff?.roles || []).some((held) => held.department_id)) return
    try {
      departmentNames.value = Object.fromEntries((await api.get('/departments')).map((d) => [d.id, d.short_name || d.name]))
    } catch {
      departmentNames.value = {}
    }
  },
  { immediate: true },
)
