// Component and logic specs of the web app, in jsdom: `npx vitest run --config web/vitest.config.ts`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { sharedAliases } from './vite.config';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  esbuild: { jsx: 'automatic' },
  resolve: { alias: sharedAliases },
  test: {
    name: 'web',
    include: ['src/**/*.spec.{ts,tsx}'],
    environment: 'jsdom',
    css: false,
  },
});
