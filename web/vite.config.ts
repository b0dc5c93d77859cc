// Builds the live map into web/dist; JSX via esbuild's automatic runtime (no React plugin installed).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** Shared shapes from their TypeScript source (packages/contracts/src), bundled like the app's own modules. */
export const sharedAliases = { '@fleetlab/contracts': fileURLToPath(new URL('../packages/contracts/src/index.ts', import.meta.url)) };

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs: the same build works at / (the lab) or behind a path prefix (a gateway).
  base: './',
  resolve: { alias: sharedAliases },
  esbuild: { jsx: 'automatic' },
  // One chunk on purpose: React, Leaflet and socket.io are all needed before the first paint anyway.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 800 },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true },
});
