// The api fuzzed from its own OpenAPI document by schemathesis (pinned, installed into the cache on first use):
// every operation, every check, a bounded number of examples, zero failures.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths';
import { api, closeDb, db, lab } from './helpers';

/** Examples per operation and phase: enough to find the disagreements between document and validation, bounded for 2 cores. */
export const FUZZ_MAX_EXAMPLES = 10;
/** Past this the run is stopped and the test fails, naming the log (a run takes 2-4 minutes: docs/reliability.md). */
const FUZZ_DEADLINE_MS = 480_000;
/** Fleets the fuzzer starts are cut to this many vehicles and cancelled at once (fuzz/fleetlab_fuzz_hooks.py). */
const FUZZ_MAX_VEHICLES = 3;
/** Route generation is cut to this many routes (fuzz/fleetlab_fuzz_hooks.py). */
const FUZZ_MAX_ROUTES = 5;
const FUZZ_SEED = 20_261_125;

afterAll(closeDb);

describe('the api under schemathesis', () => {
  it('passes every check on every operation of its OpenAPI document', async () => {
    const st = execFileSync('bash', [join(repoRoot, 'platform/local/tools/install-schemathesis.sh')], { encoding: 'utf8' }).trim();
    const reports = join(lab().runDir, 'schemathesis');
    mkdirSync(reports, { recursive: true });
    const junit = join(reports, 'junit.xml');
    const log = join(reports, 'schemathesis.log');
    const out = createWriteStream(log);
    const startedAt = Date.now();
    const child = spawn(
      st,
      [
        '--no-color',
        'run', `${lab().apiUrl}/docs-json`,
        '--url', lab().apiUrl,
        '--checks', 'all',
        // Speed is the benchmarks' business (docs/benchmarks.md), not a test's: on a loaded 2-core machine a request
        // can take longer than the default limit of 10 s, so the limit is the request timeout.
        '--max-response-time', '120',
        '--phases', 'examples,coverage,fuzzing',
        '--max-examples', String(FUZZ_MAX_EXAMPLES),
        '--seed', String(FUZZ_SEED),
        '--generation-deterministic',
        '--workers', '1',
        '--request-timeout', '120',
        '--report', 'junit', '--report-junit-path', junit,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          PYTHONPATH: join(repoRoot, 'platform/local/test/fuzz'),
          SCHEMATHESIS_HOOKS: 'fleetlab_fuzz_hooks',
          FLEETLAB_FUZZ_API_URL: lab().apiUrl,
          FLEETLAB_FUZZ_MAX_VEHICLES: String(FUZZ_MAX_VEHICLES),
          FLEETLAB_FUZZ_MAX_ROUTES: String(FUZZ_MAX_ROUTES),
        },
      },
    );
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    const timer = setTimeout(() => child.kill('SIGTERM'), FUZZ_DEADLINE_MS);
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    clearTimeout(timer);
    // The hooks cancel each fleet the fuzzer starts; any whose cancel failed is cancelled here, so later tests get the
    // lab's CPU back. Only fleets of this run: the lab is shared with the other integration tests.
    const fleets = await (await db())
      .collection('fleets')
      .find({ status: { $ne: 'cancelled' }, createdAt: { $gte: new Date(startedAt) } }, { projection: { _id: 1 } })
      .toArray();
    for (const fleet of fleets) await api(`/fleets/${String(fleet._id)}`, { method: 'DELETE' });

    const output = readFileSync(log, 'utf8');
    const cases = /(\d+) generated/.exec(output)?.[1];
    process.stdout.write(`schemathesis: ${cases ?? '?'} test cases generated in ${((Date.now() - startedAt) / 1000).toFixed(0)} s, exit ${status}; log ${log}, report ${junit}\n`);
    expect(status, output.slice(-20_000)).toBe(0);
    expect(readFileSync(junit, 'utf8')).not.toMatch(/<failure/);
  }, FUZZ_DEADLINE_MS + 300_000);
});
