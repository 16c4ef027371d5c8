import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** Built into `dist/`, which the server serves at `/` (packages/server/src/web). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: { '@tessera/client': fileURLToPath(new URL('../client/src/index.ts', import.meta.url)) },
  },
  // `npx vite packages/web`: the API is proxied to a local `npm start` (TESSERA_API to change it).
  server: { proxy: { '/v1': process.env.TESSERA_API ?? 'http://127.0.0.1:8080' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The strict CSP allows no inline script: keep everything in hashed files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
