import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleScenarios, isK6Module, scenarioNames } from './bundle.ts';

const out = mkdtempSync(path.join(tmpdir(), 'fleetlab-k6-bundle-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Module specifiers of static imports and re-exports in a bundle's text. */
function staticImports(code: string): string[] {
  return [...code.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm)].map((m) => (m[1] ?? m[2])!);
}

describe('k6 scenario bundles', () => {
  it('finds the numbered scenarios', () => {
    expect(scenarioNames()).toEqual(['01-browse-routes', '02-start-trips', '03-fleet-and-watch']);
  });

  it.each(scenarioNames())('%s: one ES module that imports only k6 modules and runs nothing of Node', async (name) => {
    const metafile = await bundleScenarios({ names: [name], outdir: out });
    const file = path.join(out, `${name}.js`);
    expect(existsSync(file)).toBe(true);

    const output = Object.entries(metafile.outputs).find(([p]) => path.resolve(p) === file)?.[1];
    expect(output, `esbuild wrote ${Object.keys(metafile.outputs).join(', ')}`).toBeDefined();
    for (const i of output!.imports) {
      expect(i.external, `${i.path} is bundled, not imported`).toBe(true);
      expect(isK6Module(i.path), `${i.path} is not a k6 module`).toBe(true);
    }
    // What k6 calls: the default function per iteration, options for the profile and thresholds, setup.
    expect(output!.exports).toEqual(expect.arrayContaining(['default', 'options', 'setup']));

    const code = readFileSync(file, 'utf8');
    const imports = staticImports(code);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((s) => !isK6Module(s))).toEqual([]);
    expect(code).not.toMatch(/\brequire\s*\(|\bimport\s*\(|\bprocess\.|\b__dirname\b|\bBuffer\b|["']node:/);
    // A valid ES module on its own (parsed, not run: k6's modules exist only in k6).
    const mjs = path.join(out, `${name}.mjs`);
    copyFileSync(file, mjs);
    execFileSync(process.execPath, ['--check', mjs]);
  });

  it('keeps k6 modules external and refuses a Node module (negative control)', async () => {
    const dir = mkdtempSync(path.join(out, 'scenarios-'));
    writeFileSync(path.join(dir, 'uses-k6.ts'), "import http from 'k6/http';\nexport default function run(): void {\n  http.get('http://x');\n}\n");
    writeFileSync(path.join(dir, 'uses-node.ts'), "import { readFileSync } from 'node:fs';\nexport default function run(): void {\n  readFileSync('x');\n}\n");
    const ok = await bundleScenarios({ names: ['uses-k6'], outdir: path.join(dir, 'out'), scenariosDir: dir });
    expect(Object.values(ok.outputs)[0]!.imports).toEqual([expect.objectContaining({ path: 'k6/http', external: true })]);
    await expect(bundleScenarios({ names: ['uses-node'], outdir: path.join(dir, 'out'), scenariosDir: dir, logLevel: 'silent' })).rejects.toThrow(/node:fs/);
  });

  it('names k6 modules', () => {
    expect(['k6', 'k6/http', 'k6/experimental/websockets'].every(isK6Module)).toBe(true);
    expect(['k6-utils', 'node:fs', './lib.ts', 'https://jslib.k6.io/x.js'].some(isK6Module)).toBe(false);
  });
});
