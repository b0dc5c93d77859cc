// Lint rules for every workspace: typescript-eslint's recommended set plus the house rules (no console in services).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
