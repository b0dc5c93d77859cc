// The layering rule, run by ESLint itself with the repo's eslint.config.mjs: the same verdict `npm run lint` gives.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const eslint = new ESLint({ cwd: root });

/** The boundary errors ESLint reports for `code` placed at `file` (repo-relative; the file need not exist). */
async function crossings(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'fleetlab/import-boundaries').map((m) => m.message);
}

describe('import boundaries (lint/import-boundaries.mjs)', () => {
  it('fails a service that imports another service, by a relative path or by its name', async () => {
    expect(await crossings('services/api/src/x.ts', "import { a } from '../../consumer/src/main';\nexport { a };\n")).toEqual([
      expect.stringMatching(/^services\/api may not import services\/consumer .*services never import each other/),
    ]);
    expect(await crossings('services/simulator/src/x.ts', "export * from 'api/src/config';\n")).toHaveLength(1);
  });

  it('fails packages that import a service, the map or the lab', async () => {
    const code = "import '../../../services/api/src/main';\nimport '../../../web/src/main';\nimport '@fleetlab/local';\n";
    expect(await crossings('packages/contracts/src/x.ts', code)).toHaveLength(3);
  });

  it('fails the map, the dashboards and the load tests that import anything but packages', async () => {
    expect(await crossings('web/src/x.ts', "import '@fleetlab/local';\n")).toHaveLength(1);
    expect(await crossings('web/src/x.ts', "import '../../dashboards/src/grafana';\n")).toHaveLength(1);
    expect(await crossings('dashboards/src/x.ts', "import '../../services/api/src/metrics/api-metrics';\n")).toHaveLength(1);
    expect(await crossings('loadtests/driver/x.ts', "const m = await import('../../chaos/src/runner');\nexport { m };\n")).toHaveLength(1);
  });

  it('keeps a test from importing a service other than its own', async () => {
    expect(await crossings('services/api/test/x.test.ts', "import '../../consumer/src/trip-history-store';\n")).toHaveLength(1);
  });

  it('allows the arrows the layering names', async () => {
    const allowed: [string, string][] = [
      ['services/api/src/x.ts', "import '@fleetlab/contracts';\nimport '../../../packages/runtime/src/index';\nimport './y';\n"],
      ['packages/runtime/src/x.ts', "import '@fleetlab/telemetry';\nimport '@fleetlab/contracts';\n"],
      ['chaos/src/x.ts', "import '@fleetlab/local';\n"],
      ['services/simulator/test/x.test.ts', "import '@fleetlab/local';\nimport '../../../platform/local/test/helpers';\n"],
      ['chaos/test/x.test.ts', "import '../../web/e2e/browser';\n"],
      ['web/src/lib/x.ts', "export { SLOS } from '../../../dashboards/src/slos';\n"],
      ['platform/tests/x.test.ts', "import '../../chaos/src/drivers/k8s';\n"],
    ];
    for (const [file, code] of allowed) expect(await crossings(file, code), file).toEqual([]);
  });
});
