// The api fuzzed from its own OpenAPI document by schemathesis (pinned, installed into the cache on first use):
// every operation, every check, a bounded number of examples, zero failures.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths';
import { api, closeDb, db, lab } from './helpers';

/** Examples per operation and phase: enough to find the disagreements between document and validation, bounded for 2 cores. */
export const FUZZ_MAX_EXAMPLES = 30;
const FUZZ_SEED = 20_261_125;

afterAll(closeDb);

describe('the api under schemathesis', () => {
  it('passes every check on every operation of its OpenAPI document', async () => {
    const st = execFileSync('bash', [join(repoRoot, 'platform/local/tools/install-schemathesis.sh')], { encoding: 'utf8' }).trim();
    const reports = join(lab().runDir, 'schemathesis');
    mkdirSync(reports, { recursive: true });
    const junit = join(reports, 'junit.xml');
    const result = spawnSync(
      st,
      [
        '--no-color',
        'run', `${lab().apiUrl}/docs-json`,
        '--url', lab().apiUrl,
        '--checks', 'all',
        '--phases', 'examples,coverage,fuzzing',
        '--max-examples', String(FUZZ_MAX_EXAMPLES),
        '--seed', String(FUZZ_SEED),
        '--generation-deterministic',
        '--workers', '1',
        '--request-timeout', '20',
        '--report', 'junit', '--report-junit-path', junit,
      ],
      { encoding: 'utf8', timeout: 900_000, maxBuffer: 64 * 1024 * 1024 },
    );
    // Fleets the fuzzer started run on: cancel them so later tests get the lab's CPU back.
    const fleets = await (await db()).collection('fleets').find({ status: { $ne: 'cancelled' } }, { projection: { _id: 1 } }).toArray();
    for (const fleet of fleets) await api(`/fleets/${String(fleet._id)}`, { method: 'DELETE' });

    const output = `${result.stdout}\n${result.stderr}`;
    const cases = /(\d+) generated/.exec(output)?.[1];
    process.stdout.write(`schemathesis: ${cases ?? '?'} test cases, exit ${result.status}; report ${junit}\n`);
    expect(result.error, output.slice(-20_000)).toBeUndefined();
    expect(result.status, output.slice(-20_000)).toBe(0);
    expect(readFileSync(junit, 'utf8')).not.toMatch(/<failure/);
  }, 1_000_000);
});
