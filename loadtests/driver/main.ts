/**
 * The local fleet load driver: `npm run load -- --profile smoke --vehicles 100`. Runs the k6 scenarios' traffic from
 * Node against a running local lab (127.0.0.1 only), prints a summary, writes loadtests/results/<timestamp>.json and
 * exits 1 when an SLO is broken (2 when the target or the arguments are refused).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSlo, SLO_FILE } from '../lib/slo.ts';
import { parseArgs, USAGE, UsageError } from './args.ts';
import { formatReport } from './report.ts';
import { runCapacity } from './capacity.ts';
import { runLoad, TargetRefused } from './run.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2), { BASE_URL: process.env.BASE_URL });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const sloPath = path.resolve(repoRoot, args.sloFile ?? SLO_FILE);
  const slo = parseSlo(existsSync(sloPath) ? readFileSync(sloPath, 'utf8') : undefined, path.relative(repoRoot, sloPath));

  let report;
  try {
    report = await (args.profile.name === 'capacity' ? runCapacity(args, slo) : runLoad(args, slo));
  } catch (error) {
    if (!(error instanceof TargetRefused)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const outDir = path.resolve(args.outDir ?? path.join(here, '..', 'results'));
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${formatReport(report)}\nresult: ${path.relative(process.cwd(), file)}\n`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`load driver failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
