import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The server sends a strict CSP (script-src 'self' 'nonce-…', style-src 'self' 'nonce-…'):
// no inline script or style may end up in dist/index.html, and nothing may need eval.
export default defineConfig({
  plugins: [vue()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    chunkSizeWarningLimit: 4000,
    assetsInlineLimit: 0,
  },
})
