import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** Built into `dist/`, which the server serves at `/` (packages/server/src/web). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: { '@tessera/client': fileURLToPath(new URL('../client/src/index.ts', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The strict CSP allows no inline script: keep everything in hashed files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
