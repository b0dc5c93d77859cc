// Test projects: unit specs beside the code; integration tests against the real local lab, started once.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      // The map's component tests, in jsdom.
      'web/vitest.config.ts',
      {
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.spec.ts',
            'services/*/src/**/*.spec.ts',
            'platform/local/src/**/*.spec.ts',
            // The chaos experiments' schema, ledger, revert scheduler and verdict.
            'chaos/src/**/*.spec.ts',
            // SLOs, rules and dashboards as code: generated copy fresh, promtool tests, every metric documented.
            'dashboards/test/**/*.test.ts',
            // Load profiles, schedules, SLO thresholds and statistics shared by k6 and the local load driver.
            'loadtests/**/*.spec.ts',
            // The import-boundary lint rule, run by ESLint on fixture imports.
            'lint/**/*.spec.ts',
          ],
          exclude: ['dashboards/test/live.test.ts', '**/node_modules/**'],
          environment: 'node',
        },
      },
      {
        test: {
          // The Kubernetes lab, checked by the programs that act on it: real Tilt loads the Tiltfile, a real
          // kube-apiserver takes the manifests, a real builder builds the images; plus the offline checks
          // (kustomize, kubeconform, istioctl, promtool). Tools come from the cache (`npm run tools`).
          name: 'platform',
          include: ['platform/tests/**/*.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'services/*/test/**/*.test.ts',
            'platform/local/test/**/*.test.ts',
            'web/e2e/**/*.e2e.ts',
            'dashboards/test/live.test.ts',
            'chaos/test/**/*.test.ts',
            // The load driver's capacity profile, run as `npm run load` runs it.
            'loadtests/test/**/*.test.ts',
          ],
          environment: 'node',
          globalSetup: ['platform/local/test/global-setup.ts'],
          // One lab serves every file; files run one after another in one fork so a fleet test doesn't starve the
          // others of CPU.
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
