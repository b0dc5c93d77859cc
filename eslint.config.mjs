// Lint rules for every workspace: typescript-eslint's recommended set plus the house rules (no console in services,
// imports follow the layering of the workspaces).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import fleetlab from './lint/import-boundaries.mjs';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'web/dist/**', 'coverage/**', 'test-results/**', 'dashboards/grafana/*.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Services never import services, packages import only packages, …: the table is in lint/import-boundaries.mjs.
    files: ['**/*.{ts,tsx,mts,cts,js,mjs,cjs}'],
    plugins: { fleetlab },
    rules: { 'fleetlab/import-boundaries': 'error' },
  },
  {
    files: ['services/**/*.ts', 'packages/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // k6 scripts run in k6's JavaScript runtime, which provides these globals.
    files: ['loadtests/**/*.{js,ts}'],
    languageOptions: { globals: { __ENV: 'readonly', __VU: 'readonly', __ITER: 'readonly' } },
  },
  {
    files: ['**/*.spec.ts', '**/*.test.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
