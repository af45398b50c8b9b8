// Pages by hash (#/facts): the Flask app serves one index.html for the whole console.
import { createRouter, createWebHashHistory } from 'vue-router'

import { session } from './lib/session.js'
import Home from './pages/Home.vue'
import Login from './pages/Login.vue'

// The other pages load when first opened: the 驾驶舱's ECharts and the builders stay out of the
// login's download.
const Ask = () => import('./pages/Ask.vue')
const Audit = () => import('./pages/Audit.vue')
const Claim = () => import('./pages/Claim.vue')
const Claims = () => import('./pages/Claims.vue')
const Dashboard = () => import('./pages/Dashboard.vue')
const Facts = () => import('./pages/Facts.vue')
const Grants = () => import('./pages/Grants.vue')
const Item = () => import('./pages/Item.vue')
const Policies = () => import('./pages/Policies.vue')
const Profiles = () => import('./pages/Profiles.vue')
const Pushes = () => import('./pages/Pushes.vue')
const Supplements = () => import('./pages/Supplements.vue')

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
    { path: '/supplements', component: Supplements },
    { path: '/grants', component: Grants },
    { path: '/profiles', component: Profiles },
    { path: '/pushes', component: Pushes },
    { path: '/ask', component: Ask },
    { path: '/audit', component: Audit },
  ],
})

router.beforeEach((to) => {
  if (!to.meta.public && !session.staff.value) return { path: '/login', query: { next: to.fullPath } }
  return true
})
