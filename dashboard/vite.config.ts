import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The bundle is served by `db.serve()` from `dashboard/dist` (see src/dashboard/dashboard-dir.ts),
// under any path prefix: asset URLs are relative.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
