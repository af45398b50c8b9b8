// Pages by hash (#/facts): the Flask app serves one index.html for the whole console.
import { createRouter, createWebHashHistory } from 'vue-router'

import { session } from './lib/session.js'
import Audit from './pages/Audit.vue'
import Claim from './pages/Claim.vue'
import Claims from './pages/Claims.vue'
import Dashboard from './pages/Dashboard.vue'
import Facts from './pages/Facts.vue'
import Grants from './pages/Grants.vue'
import Home from './pages/Home.vue'
import Item from './pages/Item.vue'
import Login from './pages/Login.vue'
import Policies from './pages/Policies.vue'
import Profiles from './pages/Profiles.vue'
import Pushes from './pages/Pushes.vue'

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/login', component: Login, meta: { public: true } },
    { path: '/', component: Home },
    { path: '/dashboard', component: Dashboard },
    { path: '/policies', component: Policies },
    { path: '/items/:id', component: Item, props: true },
    { path: '/facts', component: Facts },
    { path: '/claims', component: Claims },
    { path: '/claims/:id', component: Claim, props: true },
    { path: '/grants', component: Grants },
    { path: '/profiles', component: Profiles },
    { path: '/pushes', component: Pushes },
    { path: '/audit', component: Audit },
  ],
})

router.beforeEach((to) => {
  if (!to.meta.public && !session.staff.value) return { path: '/login', query: { next: to.fullPath } }
  return true
})
