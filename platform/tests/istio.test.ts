// Istio's own checks, offline: istioctl validate and istioctl analyze (no cluster) over the mesh renders.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentNames, render, runCombined, tool } from './lib.js';

let work = '';
const files: Record<string, string> = {};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'fleetlab-istio-'));
  for (const [name, combo] of Object.entries({ mesh: ['istio'], everything: componentNames() })) {
    files[name] = join(work, `${name}.yaml`);
    writeFileSync(files[name]!, render(combo));
  }
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const analyze = (file: string) => runCombined(tool('istioctl'), ['analyze', '--use-kube=false', '--all-namespaces', '--failure-threshold', 'Warning', file]);

describe('istioctl', () => {
  for (const name of ['mesh', 'everything']) {
    it(`validate: every object of base + ${name === 'mesh' ? 'istio' : 'all components'} is valid`, () => {
      expect(runCombined(tool('istioctl'), ['validate', '-f', files[name]!])).toMatch(/is valid/);
    }, 120_000);

    it(`analyze --use-kube=false: no error or warning in base + ${name === 'mesh' ? 'istio' : 'all components'}`, () => {
      expect(analyze(files[name]!)).toMatch(/No validation issues found/);
    }, 120_000);
  }

  it('analyze sees a broken reference (negative control: the offline analyzers do run)', () => {
    const broken = join(work, 'broken.yaml');
    writeFileSync(broken, render(['istio']).replace(/gateways:\n {2}- fleetlab\n/, 'gateways:\n  - no-such-gateway\n'));
    expect(() => analyze(broken)).toThrow(/IST0101[\s\S]*no-such-gateway/);
  }, 120_000);
});
