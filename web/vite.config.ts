// Builds the live map into web/dist; JSX via esbuild's automatic runtime (no React plugin installed).
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs: the same build works at / (the lab) or behind a path prefix (a gateway).
  base: './',
  esbuild: { jsx: 'automatic' },
  // One chunk on purpose: React, Leaflet and socket.io are all needed before the first paint anyway.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 800 },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true },
});
