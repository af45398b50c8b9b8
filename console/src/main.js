// 政策快享工作台: staff log in with their accounts; the menu follows their roles.
import 'element-plus/dist/index.css'

import ElementPlus from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import { createApp } from 'vue'

import App from './App.vue'
import { router } from './router.js'

createApp(App).use(ElementPlus, { locale: zhCn }).use(router).mount('#app')
