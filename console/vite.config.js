// The console is built into api/console_dist/ (so the wheel carries it) and served by the Flask
// app at /console/ (api/console.py);
// `npm run dev` serves it on Vite's port and sends /api to `kuaixiang run` on 127.0.0.1:5000.
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

export default defineConfig({
  base: '/console/',
  plugins: [vue()],
  build: { outDir: '../api/console_dist', emptyOutDir: true, chunkSizeWarningLimit: 3000 },
  server: { proxy: { '/api': 'http://127.0.0.1:5000' } },
  test: { environment: 'node', include: ['tests/**/*.test.js'] },
})
