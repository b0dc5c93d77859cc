// Every shipped local experiment against the real test lab: the fault is seen in the telemetry it names (the
// verdict's expectations), everything is reverted, the steady state comes back, and no accepted position is lost.
// Each run takes 1-3 minutes of lab time (the lab's alert windows are 30 s and 1 m); they run one after another.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExperiment } from '../src/experiments';
import { Ledger } from '../src/ledger';
import { runExperiment, type RunReport } from '../src/runner';
import { closeDb } from '../../platform/local/test/helpers';
import { driver, expectExactHistories, expectNothingLeft, waitForFleetFinished } from './lab';

const dir = mkdtempSync(join(tmpdir(), 'fleetlab-chaos-'));
const ledger = new Ledger(join(dir, 'ledger.json'));
afterAll(async () => {
  await closeDb();
  rmSync(dir, { recursive: true, force: true });
});

/** Measured in each run, printed at the end for docs/chaos.md. */
const seen: string[] = [];

// FLEETLAB_CHAOS_EXPERIMENTS=a,b runs the named experiments here, one after another, while working on them.
// By default none runs here: every experiment is the break of exactly one scenario
// (chaos/src/scenarios/scenarios.spec.ts checks that), and the scenario self-checks (chaos/test/scenarios.test.ts)
// run it through this same runner, judged by the same verdict, with the same data check. Running them here too would
// run each twice.
const all: string[] = [];
const chosen = process.env.FLEETLAB_CHAOS_EXPERIMENTS?.split(',') ?? all;

describe('chaos experiments in the local lab', () => {
  // Nothing chosen: the default run covers the passing experiments through the scenarios' self-checks (see above).
  if (chosen.length === 0) it.skip('runs the experiments named in FLEETLAB_CHAOS_EXPERIMENTS (by default, the scenario self-checks run them)', () => {});
  if (chosen.length > 0) it.each(chosen)('%s: seen in telemetry, reverted, steady again, nothing lost', async (name) => {
    const { experiment } = loadExperiment(name);
    const report: RunReport = await runExperiment({
      name,
      experiment,
      driver: driver(),
      ledger,
      reportFile: join(dir, `${name}.json`),
      log: (line) => process.stderr.write(`${line}\n`),
      gateTimeoutMs: 150_000,
    });
    seen.push(
      `${name}: ${report.verdict.expectationResults
        .map((x) => `${x.kind} ${x.name} after ${x.seenAfterMs === undefined ? '-' : (x.seenAfterMs / 1000).toFixed(0)} s, back ${x.recoveredAfterMs === undefined ? '-' : (x.recoveredAfterMs / 1000).toFixed(0)} s after revert`)
        .join('; ')}; alerts fired: ${Object.entries(report.alertsSeen).map(([a, ms]) => `${a} after ${(ms / 1000).toFixed(0)} s`).join(', ') || 'none'}; recovered ${report.recoveredAfterMs === undefined ? '-' : (report.recoveredAfterMs / 1000).toFixed(0)} s`,
    );
    process.stderr.write(`chaos measured: ${seen.at(-1)}\n`);
    expect(report.verdict.reasons).toEqual([]);
    expect(report.verdict).toMatchObject({ status: 'completed', hypothesis: 'held', expectations: 'met', exitCode: 0 });
    expect(report.faults.every((f) => f.revert?.ok)).toBe(true);
    expect(ledger.open()).toEqual([]);
    await expectNothingLeft();
    // No accepted data lost: the experiment's fleet finishes (a SIGKILLed simulator's trips are replayed), every
    // trip's history exact.
    await waitForFleetFinished(report.fleetId!);
    const checked = await expectExactHistories(report.fleetId!, { vehicles: experiment.load.fleet!.vehicles });
    process.stderr.write(`chaos measured: ${name}: ${checked.trips} trips, ${checked.positions} positions, each history exact\n`);
    expect(checked.positions).toBeGreaterThan(0);
  }, 600_000);
});
