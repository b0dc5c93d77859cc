/**
 * Runs one experiment against a lab: load, warm-up, the steady-state gate, the method (each fault recorded in the
 * ledger before it is injected, reverted by its timer), continuous abort checks and observation of the expected
 * alerts and SLIs, recovery, the steady state after, the rollbacks (always), the verdict and a JSON report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cacheDir } from '@fleetlab/local';
import { selectTargets } from './blast-radius';
import type { Driver } from './drivers/driver';
import { Ledger, type AppliedFault } from './ledger';
import { startLoad, type RunningLoad } from './load';
import { Prometheus } from './prometheus';
import { RevertScheduler, type RevertOutcome, type RevertReason } from './scheduler';
import { faultWindow, methodLength, type Experiment, type FaultSpec, type Probe } from './schema';
import { decide, judgeProbe, type ExpectationResult, type ProbeResult, type Verdict } from './verdict';

export interface RunOptions {
  name: string;
  experiment: Experiment;
  driver: Driver;
  ledger: Ledger;
  /** Ctrl-C: everything is reverted and the rollbacks run. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  pollMs?: number;
  /** How long the gate may take to hold after the warm-up (the lab may still be recovering from a previous run). */
  gateTimeoutMs?: number;
  reportFile?: string;
  /** How long the recovered state must last to count (default 10 s: two scrapes). */
  recoveryStableMs?: number;
  /**
   * Run the faults only, with this reason printed and in the verdict: no load, no steady-state gate, no abort
   * conditions, no expectations (hypothesis and expectations `not-tested`). For a lab with nothing to measure.
   */
  skipProbes?: string;
}

export interface FaultRecord {
  id: string;
  name: string;
  kind: FaultSpec['fault'];
  components: string[];
  params: Record<string, unknown>;
  injectedAfterMs?: number;
  expiresAt: number;
  revert?: { reason: RevertReason; ok: boolean; afterMs: number; error?: string };
}

export interface RunReport {
  runId: string;
  experiment: string;
  title: string;
  hypothesis: string;
  target: string;
  startedAt: string;
  endedAt: string;
  fleetId?: string;
  load: { requests: number; failed: number };
  gate: ProbeResult[];
  faults: FaultRecord[];
  expectations: ExpectationResult[];
  /** Every alert that fired after the first fault, expected or not: ms after the first fault. */
  alertsSeen: Record<string, number>;
  recoveredAfterMs?: number;
  after: ProbeResult[];
  timeline: Array<{ atMs: number; event: string }>;
  verdict: Verdict;
  reportFile: string;
}

export function newRunId(name: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${name}-${stamp}-${randomBytes(2).toString('hex')}`;
}

export function defaultReportFile(runId: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(env.FLEETLAB_CHAOS_REPORTS ?? join(cacheDir(env), 'chaos', 'reports'), `${runId}.json`);
}

class Aborted extends Error {}

export async function runExperiment(options: RunOptions): Promise<RunReport> {
  const { experiment: e, driver, ledger, name } = options;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const pollMs = options.pollMs ?? 2_000;
  const runId = newRunId(name);
  const reportFile = options.reportFile ?? defaultReportFile(runId);
  const prometheus = new Prometheus(driver.prometheusUrl);
  const started = Date.now();
  const timeline: RunReport['timeline'] = [];
  const say = (event: string): void => {
    const atMs = Date.now() - started;
    timeline.push({ atMs, event });
    log(`chaos [+${(atMs / 1000).toFixed(0).padStart(3)}s] ${event}`);
  };
  const signal = options.signal ?? new AbortController().signal;
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new Aborted('interrupted'));
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new Aborted('interrupted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });

  const faults: FaultRecord[] = [];
  let firstFaultAt: number | undefined;
  let lastRevertAt: number | undefined;
  const scheduler = new RevertScheduler(undefined, (outcome: RevertOutcome) => {
    const record = faults.find((f) => f.id === outcome.id);
    if (record) record.revert = { reason: outcome.reason, ok: outcome.ok, afterMs: outcome.at - started, error: outcome.error };
    ledger.update(outcome.id, outcome.ok
      ? { state: 'reverted', revertedAt: outcome.at, revertedBy: outcome.reason }
      : { state: 'failed', error: outcome.error });
    lastRevertAt = outcome.at;
    say(outcome.ok ? `reverted ${record?.name ?? outcome.id} (${outcome.reason})` : `FAILED to revert ${outcome.id}: ${outcome.error}`);
  });

  const alertExpectations = e.expect.alerts.map((a) => ({ kind: 'alert' as const, name: a.alert, withinMs: a.within, seenAfterMs: undefined as number | undefined, recoveredAfterMs: undefined as number | undefined }));
  const sliExpectations = e.expect.slis.map((s) => ({ kind: 'sli' as const, name: s.name, spec: s, withinMs: s.within, seenAfterMs: undefined as number | undefined, recoveredAfterMs: undefined as number | undefined, last: undefined as number | undefined }));
  /** Every alert seen firing after the first fault, expected or not, with when (ms after the first fault). */
  const alertsSeen: Record<string, number> = {};
  /** Alerts already firing at the gate (a slow burn from an earlier run): not this run's doing. */
  let firingBefore = new Set<string>();
  let gate: ProbeResult[] = [];
  let after: ProbeResult[] = [];
  let aborted: { reason: string } | undefined;
  let error: string | undefined;
  let recoveredAfterMs: number | undefined;
  let load: RunningLoad | undefined;
  const loadAbort = new AbortController();

  const probeAll = async (probes: Probe[]): Promise<ProbeResult[]> =>
    Promise.all(probes.map(async (p) => judgeProbe(p, await prometheus.value(p.query).catch(() => undefined))));

  /** One observation: which expected alerts fire, where the expected SLIs are. */
  const observe = async (): Promise<Set<string>> => {
    const firing = await prometheus.firingAlerts().catch(() => new Set<string>());
    const now = Date.now();
    if (firstFaultAt !== undefined) {
      for (const alert of firing) {
        if (!(alert in alertsSeen) && !firingBefore.has(alert)) {
          alertsSeen[alert] = now - firstFaultAt;
          if (!alertExpectations.some((x) => x.name === alert)) say(`alert ${alert} firing too (not expected), ${(alertsSeen[alert] / 1000).toFixed(0)} s after the first fault`);
        }
      }
    }
    for (const x of alertExpectations) {
      const on = firing.has(x.name);
      if (on && x.seenAfterMs === undefined && firstFaultAt !== undefined) {
        x.seenAfterMs = now - firstFaultAt;
        say(`alert ${x.name} firing, ${(x.seenAfterMs / 1000).toFixed(0)} s after the first fault`);
      }
      if (!on && x.seenAfterMs !== undefined && x.recoveredAfterMs === undefined && lastRevertAt !== undefined && scheduler.active().length === 0) {
        x.recoveredAfterMs = now - lastRevertAt;
        say(`alert ${x.name} resolved, ${(x.recoveredAfterMs / 1000).toFixed(0)} s after the last revert`);
      }
    }
    for (const x of sliExpectations) {
      const value = await prometheus.value(x.spec.query).catch(() => undefined);
      x.last = value;
      // No samples (no traffic left to measure, e.g. the fleet has finished) counts as not moved: nothing is failing.
      const moved = value !== undefined && ((x.spec.above !== undefined && value > x.spec.above) || (x.spec.below !== undefined && value < x.spec.below));
      if (moved && x.seenAfterMs === undefined && firstFaultAt !== undefined) {
        x.seenAfterMs = now - firstFaultAt;
        say(`SLI ${x.name} moved to ${round(value ?? NaN)}, ${(x.seenAfterMs / 1000).toFixed(0)} s after the first fault`);
      }
      if (!moved && x.seenAfterMs !== undefined && x.recoveredAfterMs === undefined && lastRevertAt !== undefined && scheduler.active().length === 0) {
        x.recoveredAfterMs = now - lastRevertAt;
        say(`SLI ${x.name} back at ${value === undefined ? 'no data' : round(value)}, ${(x.recoveredAfterMs / 1000).toFixed(0)} s after the last revert`);
      }
    }
    return firing;
  };

  const inject = async (spec: FaultSpec, index: number): Promise<void> => {
    const candidates = driver.select ? undefined : await driver.instances(spec.target.components);
    const components = candidates ? selectTargets(spec.target, candidates) : await driver.select!(spec.target, spec.fault);
    if (components.length === 0) throw new Error(`fault ${index} (${spec.fault}) selects nothing${candidates ? ` from ${candidates.join(', ')}` : ` (${spec.target.components.join(', ')}, mode ${spec.target.mode})`}`);
    const { fault: kind, target: _target, name: label, after: _after, duration: _duration, ...params } = spec;
    const lasts = spec.duration ?? e.duration;
    const fault: AppliedFault = { id: `${runId}-${index}`, kind, components, params, expiresAt: Date.now() + lasts, runId, target: spec.target };
    // What the driver will change, with the originals, goes into the ledger with the fault (Kubernetes).
    if (driver.prepare) fault.plan = await driver.prepare(fault);
    const record: FaultRecord = { id: fault.id, name: label ?? `${kind} ${components.join(',')}`, kind, components, params, expiresAt: fault.expiresAt };
    faults.push(record);
    // The ledger first: if anything dies from here on, the next command finds this fault and reverts it.
    ledger.record({ fault, runId, experiment: name, target: driver.target, lab: driver.labRef, owner: { pid: process.pid, startedAt: started } });
    scheduler.schedule(fault.id, fault.expiresAt, async () => driver.revert(fault));
    await driver.inject(fault);
    const now = Date.now();
    ledger.update(fault.id, { state: 'active', injectedAt: now });
    firstFaultAt ??= now;
    record.injectedAfterMs = now - started;
    say(`injected ${record.name} ${JSON.stringify(params)}; reverts by itself in ${lasts / 1000} s`);
  };

  try {
    say(`${name}: ${e.title} — against the ${driver.target} lab (run ${runId})`);
    say(`hypothesis: ${e.hypothesis.trim()}`);
    const measuring = options.skipProbes === undefined;
    if (!measuring) say(`probes skipped: ${options.skipProbes} — no load, gate, abort conditions or expectations; faults only`);
    if (measuring && (e.load.fleet || e.load.requestsPerSecond > 0)) {
      load = await startLoad(driver.apiUrl, e.load, loadAbort.signal);
      say(`load: ${load.fleetId ? `fleet ${load.fleetId} (${e.load.fleet?.vehicles} vehicles)` : 'no fleet'}, ${e.load.requestsPerSecond} reads/s${e.load.watch ? ', watching over socket.io' : ''}`);
    }
    if (measuring) await sleep(e.warmup);

    // The gate: the steady state holds and none of the expected alerts fires already (else "fired" would prove nothing).
    const gateDeadline = Date.now() + (options.gateTimeoutMs ?? 90_000);
    for (; measuring; ) {
      gate = await probeAll(e.steadyState);
      const firing = await prometheus.firingAlerts().catch(() => new Set<string>());
      firingBefore = firing;
      for (const a of e.expect.alerts) {
        gate.push({ name: `${a.alert} not firing before the run`, query: `ALERTS{alertname="${a.alert}",alertstate="firing"}`, value: firing.has(a.alert) ? 1 : 0, tolerance: { max: 0 }, ok: !firing.has(a.alert), detail: firing.has(a.alert) ? 'firing' : undefined });
      }
      if (gate.every((p) => p.ok) || Date.now() > gateDeadline) break;
      await sleep(pollMs);
    }
    if (measuring) say(`steady state before: ${gate.map((p) => `${p.name} ${p.ok ? '✓' : `✗ (${p.detail ?? ''})`}`).join(' · ') || '(no probes)'}`);
    if (!gate.every((p) => p.ok)) throw new GateFailed();

    // The method.
    const methodStart = Date.now();
    const pending = e.method.map((spec, index) => ({ spec, index, at: methodStart + faultWindow(e, spec).startMs, done: false }));
    const methodEnd = methodStart + methodLength(e);
    const breaches = new Map<string, number>();
    while (pending.some((p) => !p.done) || scheduler.active().length > 0) {
      for (const p of pending.filter((x) => !x.done && Date.now() >= x.at)) {
        p.done = true;
        await inject(p.spec, p.index);
      }
      if (measuring) await observe();
      for (const condition of measuring ? e.abort : []) {
        const result = judgeProbe(condition, await prometheus.value(condition.query).catch(() => undefined));
        if (result.ok) breaches.delete(condition.name);
        else {
          const since = breaches.get(condition.name) ?? Date.now();
          breaches.set(condition.name, since);
          if (Date.now() - since >= condition.for) {
            aborted = { reason: `${condition.name}: ${result.detail ?? 'outside tolerance'}` };
            say(`ABORT: ${aborted.reason}; reverting everything now`);
            await scheduler.revertAll('abort');
          }
        }
      }
      if (aborted) break;
      // A revert under way may take a while (a broker restarting); one that has not even started by then is stuck.
      if (Date.now() > methodEnd + Math.max(60_000, e.expect.recoverWithin)) throw new Error('faults still on long after their deadline');
      await sleep(Math.min(pollMs, Math.max(50, Math.min(...pending.filter((x) => !x.done).map((x) => x.at - Date.now()), pollMs))));
    }
    await scheduler.settled();

    // Recovery: expected alerts resolved, SLIs back, steady state holding — and still so `recoveryStableMs` later,
    // so that a lab whose backlog has not even been scraped yet is not taken for recovered.
    const stableMs = options.recoveryStableMs ?? 10_000;
    const recoverDeadline = (lastRevertAt ?? Date.now()) + e.expect.recoverWithin + stableMs;
    let holdingSince: number | undefined;
    for (; measuring; ) {
      const firing = await observe();
      after = await probeAll(e.steadyState);
      const alertsClear = e.expect.alerts.every((a) => !firing.has(a.alert));
      const slisBack = sliExpectations.every((x) => x.seenAfterMs === undefined || x.recoveredAfterMs !== undefined);
      if (alertsClear && slisBack && after.every((p) => p.ok)) {
        holdingSince ??= Date.now();
        if (Date.now() - holdingSince >= stableMs) {
          recoveredAfterMs = holdingSince - (lastRevertAt ?? holdingSince);
          say(`recovered ${(recoveredAfterMs / 1000).toFixed(0)} s after the last revert (and steady ${stableMs / 1000} s since)`);
          break;
        }
      } else {
        holdingSince = undefined;
      }
      if (Date.now() > recoverDeadline) {
        say(`not recovered ${(e.expect.recoverWithin / 1000).toFixed(0)} s after the last revert`);
        break;
      }
      await sleep(pollMs);
    }
    if (measuring) say(`steady state after: ${after.map((p) => `${p.name} ${p.ok ? '✓' : `✗ (${p.detail ?? ''})`}`).join(' · ') || '(no probes)'}`);
  } catch (caught) {
    if (caught instanceof Aborted) {
      aborted = { reason: 'interrupted (Ctrl-C)' };
      say('interrupted: reverting everything');
    } else if (!(caught instanceof GateFailed)) {
      error = (caught as Error).message;
      say(`error: ${error}; reverting everything`);
    }
  } finally {
    // Rollbacks always run: every fault still on, then the experiment's own.
    await scheduler.revertAll('rollback');
    for (const rollback of e.rollbacks) {
      try {
        if (rollback.action === 'ensure-ready') await driver.ensureReady(rollback.components, 120_000);
        else await driver.resetAll();
        say(`rollback ${rollback.action} done`);
      } catch (rollbackError) {
        error ??= `rollback ${rollback.action}: ${(rollbackError as Error).message}`;
        say(`rollback ${rollback.action} failed: ${(rollbackError as Error).message}`);
      }
    }
    loadAbort.abort();
    await load?.stop();
  }

  const verdict = decide({
    gate,
    aborted,
    error,
    reverts: faults.map((f) => ({ id: f.id, ok: f.revert?.ok ?? f.injectedAfterMs === undefined, error: f.revert?.error })),
    expectations: [...alertExpectations, ...sliExpectations.map(({ kind, name: n, withinMs, seenAfterMs, recoveredAfterMs: r }) => ({ kind, name: n, withinMs, seenAfterMs, recoveredAfterMs: r }))],
    recoverWithinMs: e.expect.recoverWithin,
    recoveredAfterMs,
    after,
    probesSkipped: options.skipProbes,
  });
  const report: RunReport = {
    runId,
    experiment: name,
    title: e.title,
    hypothesis: e.hypothesis.trim(),
    target: driver.target,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date().toISOString(),
    fleetId: load?.fleetId,
    load: load?.stats ?? { requests: 0, failed: 0 },
    gate,
    faults,
    expectations: verdict.expectationResults,
    alertsSeen,
    recoveredAfterMs,
    after,
    timeline,
    verdict,
    reportFile,
  };
  mkdirSync(dirname(reportFile), { recursive: true });
  writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  for (const line of formatVerdict(report)) log(line);
  return report;
}

class GateFailed extends Error {}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function formatVerdict(report: RunReport): string[] {
  const v = report.verdict;
  const lines = [
    '',
    `verdict for ${report.experiment}: ${v.status}; hypothesis ${v.hypothesis}; expectations ${v.expectations}`,
    ...v.expectationResults.map(
      (x) =>
        `  ${x.met ? '✓' : '✗'} ${x.kind} ${x.name}: ${x.seenAfterMs === undefined ? 'not seen' : `seen after ${(x.seenAfterMs / 1000).toFixed(0)} s`} (within ${x.withinMs / 1000} s)` +
        (x.recoveredAfterMs === undefined ? '' : `, recovered ${(x.recoveredAfterMs / 1000).toFixed(0)} s after revert`),
    ),
    ...v.reasons.map((r) => `  · ${r}`),
    `report: ${report.reportFile}`,
    `exit status ${v.exitCode}`,
  ];
  return lines;
}
