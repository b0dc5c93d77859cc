// Freshness: the committed generated files are exactly what the generator writes now (CI fails on drift).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DASHBOARDS_DIR, REPO, run } from './lib';

const GENERATED_DIRS = ['prometheus', 'generated', 'grafana'];

function listFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(root, join(dir, e.name)) : [relative(root, join(root, dir, e.name))],
  );
}

describe('generated files', () => {
  const out = mkdtempSync(join(tmpdir(), 'fleetlab-dashboards-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('are byte-identical to a fresh generation (run `npx vite-node dashboards/src/generate.ts` to update)', () => {
    run(join(REPO, 'node_modules', '.bin', 'vite-node'), ['dashboards/src/generate.ts', '--out', out]);
    const fresh = GENERATED_DIRS.flatMap((d) => listFiles(out, d)).sort();
    const committed = GENERATED_DIRS.flatMap((d) => listFiles(DASHBOARDS_DIR, d)).sort();
    expect(committed, 'a committed file the generator no longer writes, or a new one not committed').toEqual(fresh);
    for (const file of fresh) {
      expect(readFileSync(join(DASHBOARDS_DIR, file), 'utf8'), `${file} differs from a fresh generation`).toBe(readFileSync(join(out, file), 'utf8'));
    }
  });

  it('are deterministic: two generations are identical', () => {
    const again = mkdtempSync(join(tmpdir(), 'fleetlab-dashboards-'));
    try {
      run(join(REPO, 'node_modules', '.bin', 'vite-node'), ['dashboards/src/generate.ts', '--out', again]);
      for (const file of GENERATED_DIRS.flatMap((d) => listFiles(out, d))) {
        expect(readFileSync(join(again, file), 'utf8'), file).toBe(readFileSync(join(out, file), 'utf8'));
      }
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });
});
