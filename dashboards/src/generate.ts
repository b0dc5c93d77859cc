// Writes every generated file of dashboards/ (see files.ts); CI (dashboards/test/generated.test.ts) fails when a
// committed copy differs from a fresh generation.
// Usage: npx vite-node dashboards/src/generate.ts [--out <dir>] [--runbook-base <url>]   (default out: dashboards/)
//    or: npx tsc -p dashboards/tsconfig.json && node dashboards/dist/generate.js [...]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { generateAll } from './files';
import { DEFAULT_RUNBOOK_BASE } from './rules';

function main(argv: string[]): void {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const out = resolve(arg('--out') ?? join(__dirname, '..'));
  const files = generateAll({ runbookBase: arg('--runbook-base') ?? DEFAULT_RUNBOOK_BASE });
  for (const [path, content] of files) {
    const target = join(out, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  process.stdout.write(`wrote ${files.size} files under ${out}\n`);
}

main(process.argv.slice(2));
