/**
 * Plays a scenario's break against a lab (the local one, or the cluster lab through the Kubernetes driver) and
 * verifies it from the telemetry: the scenario's own load, its chaos experiment through the runner (faults recorded
 * in the chaos ledger, reverted on time, the experiment's gate, expectations and recovery), the scenario's extra
 * symptoms (alerts, SLIs, Jaeger traces), then the restore checked the same way. `--self-check` and `npm run scenario -- start` both run this; the state goes to `onState`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Ledger } from '../ledger';
import { startLoad, type RunningLoad } from '../load';
import { Prometheus } from '../prometheus';
import { runExperiment, type RunReport } from '../runner';
import type { LoadedScenario } from './catalog';
import type { CheckResult, ScenarioState } from './game';
import type { ScenarioDriver } from './target';
import { findTrace } from './telemetry';

export const repoRoot = resolve(__dirname, '..', '..', '..');

export interface PlayOptions {
  loaded: LoadedScenario;
  driver: ScenarioDriver;
  jaegerUrl: string;
  /**
   * The experiment runs its faults only (no load, gate or expectations of its own; the chaos runner's --skip-probes)
   * and the scenario its own load neither: a lab with nothing to measure. The scenario still watches its symptoms and
   * the experiment's expected alerts and SLIs in Prometheus and Jaeger, and reports what it saw.
   */
  skipProbes?: string;
  ledger: Ledger;
  state: ScenarioState;
  /** Called whenever the state changed (the daemon writes it to disk). */
  onState?: (state: ScenarioState) => void;
  signal?: AbortSignal;
  log?: (line: string) => void;
  pollMs?: number;
  reportFile?: string;
  gateTimeoutMs?: number;
  /** Unattended: a load-only break ends once every symptom is seen (unless some alert must stay silent all along). */
  endWhenSeen?: boolean;
}

export interface PlayResult {
  state: ScenarioState;
  report?: RunReport;
}

const secs = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(0)} s`);

/** A run of the local load driver (loadtests/driver) in its own process group, stopped with the scenario. */
function startProfile(apiUrl: string, profile: NonNullable<NonNullable<LoadedScenario['scenario']['break']['load']>['profile']>, log: (line: string) => void): ChildProcess {
  const out = mkdtempSync(join(tmpdir(), 'fleetlab-scenario-load-'));
  const args = ['vite-node', 'loadtests/driver/main.ts', '--', '--profile', profile.name, '--duration', String(profile.seconds), '--base-url', apiUrl, '--out', out];
  if (profile.vehicles) args.push('--vehicles', String(profile.vehicles));
  if (profile.paceMs) args.push('--pace-ms', String(profile.paceMs));
  const child = spawn('npx', args, { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => log(`load: ${l}`)));
  child.stderr?.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => log(`load: ${l}`)));
  return child;
}

function stopProcessGroup(child: ChildProcess | undefined): void {
  if (!child?.pid || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

export async function playScenario(options: PlayOptions): Promise<PlayResult> {
  const { loaded, driver, state } = options;
  const s = loaded.scenario;
  const pollMs = options.pollMs ?? 2_000;
  const prometheus = new Prometheus(driver.prometheusUrl);
  // Aborted by the caller (stop), or from inside when the chaos kill switch reverted this scenario's faults.
  const stopper = new AbortController();
  if (options.signal?.aborted) stopper.abort();
  const stopOuter = (): void => stopper.abort();
  options.signal?.addEventListener('abort', stopOuter, { once: true });
  const signal = stopper.signal;
  // The symptoms watched: the scenario's own, and the experiment's expectations when the runner does not measure them.
  const exp0 = options.skipProbes !== undefined ? loaded.experiment?.experiment : undefined;
  const watchedAlerts = [...s.verify.alerts, ...(exp0?.expect.alerts ?? []).filter((a) => !s.verify.alerts.some((x) => x.alert === a.alert))];
  const watchedSlis = [...s.verify.slis, ...(exp0?.expect.slis ?? []).filter((q) => !s.verify.slis.some((x) => x.name === q.name))];
  const changed = (): void => options.onState?.(state);
  const say = (line: string): void => {
    state.log.push({ at: Date.now(), line });
    if (state.log.length > 200) state.log.splice(0, state.log.length - 200);
    (options.log ?? ((l: string) => process.stdout.write(`${l}\n`)))(`scenario ${loaded.number} ${line}`);
    changed();
  };
  const setCheck = (check: CheckResult): void => {
    const i = state.checks.findIndex((c) => c.kind === check.kind && c.name === check.name);
    if (i >= 0) state.checks[i] = check;
    else state.checks.push(check);
    changed();
  };
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });

  state.pid = process.pid;
  state.phase = 'breaking';
  say(`${s.title}: breaking the ${driver.target === 'k8s' ? `cluster lab (namespace ${driver.namespace})` : 'lab'} (${loaded.experiment ? `experiment ${loaded.experiment.name}` : 'load only'})`);
  if (options.skipProbes !== undefined) say(`probes skipped: ${options.skipProbes} — faults only, no load; the symptoms are still looked for in ${driver.prometheusUrl} and ${options.jaegerUrl}`);

  // The scenario's own traffic.
  let load: RunningLoad | undefined;
  let profile: ChildProcess | undefined;
  const loadAbort = new AbortController();
  const startTraffic = async (): Promise<void> => {
    const l = s.break.load;
    if (!l || options.skipProbes !== undefined) return;
    if (l.fleet || l.requestsPerSecond > 0) {
      load = await startLoad(driver.apiUrl, { fleet: l.fleet, requestsPerSecond: l.requestsPerSecond, watch: l.watch }, loadAbort.signal);
      state.fleetId ??= load.fleetId;
      say(`load: ${load.fleetId ? `fleet ${load.fleetId} (${l.fleet?.vehicles} vehicles)` : 'no fleet'}, ${l.requestsPerSecond} reads/s`);
    }
    if (l.profile) {
      profile = startProfile(driver.apiUrl, l.profile, (line) => say(line));
      say(`load test: profile ${l.profile.name} for ${l.profile.seconds} s (loadtests/driver)`);
    }
  };

  // The scenario's own symptoms, watched from the break on.
  const seen = new Map<string, number>();
  const watchSymptoms = async (): Promise<Set<string>> => {
    if (state.breakAt === undefined) return new Set();
    const since = state.breakAt;
    const now = Date.now();
    const firing = await prometheus.firingAlerts().catch(() => new Set<string>());
    for (const a of watchedAlerts) {
      const key = `alert ${a.alert}`;
      if (firing.has(a.alert) && !seen.has(key)) {
        seen.set(key, now - since);
        say(`symptom: alert ${a.alert} firing ${secs(now - since)} after the break`);
        setCheck({ kind: 'alert', name: a.alert, ok: true, afterMs: now - since });
      } else if (!seen.has(key)) {
        setCheck({ kind: 'alert', name: a.alert, ok: now - since <= a.within, detail: now - since <= a.within ? 'not firing yet' : `not firing within ${secs(a.within)}` });
      }
    }
    for (const q of watchedSlis) {
      const key = `sli ${q.name}`;
      const value = await prometheus.value(q.query).catch(() => undefined);
      const moved = value !== undefined && ((q.above !== undefined && value > q.above) || (q.below !== undefined && value < q.below));
      if (moved && !seen.has(key)) {
        seen.set(key, now - since);
        say(`symptom: ${q.name} at ${Math.round((value ?? 0) * 1000) / 1000}, ${secs(now - since)} after the break`);
        setCheck({ kind: 'sli', name: q.name, ok: true, afterMs: now - since });
      } else if (!seen.has(key)) {
        setCheck({ kind: 'sli', name: q.name, ok: now - since <= q.within, detail: `${value === undefined ? 'no data' : Math.round(value * 1000) / 1000}${now - since <= q.within ? '' : `, not moved within ${secs(q.within)}`}` });
      }
    }
    for (const t of s.verify.traces) {
      const key = `trace ${t.name}`;
      if (seen.has(key)) continue;
      const found = await findTrace(options.jaegerUrl, t, since, { fleetId: state.fleetId ?? '' }).catch((e: Error) => ({ ok: false, detail: e.message, traceId: undefined }));
      if (found.ok) {
        seen.set(key, now - since);
        say(`symptom: ${t.name} — ${found.detail}, ${secs(now - since)} after the break`);
        setCheck({ kind: 'trace', name: t.name, ok: true, afterMs: now - since, detail: found.detail });
      } else {
        setCheck({ kind: 'trace', name: t.name, ok: now - since <= t.within, detail: found.detail });
      }
    }
    for (const alert of s.verify.silent) {
      if (firing.has(alert)) setCheck({ kind: 'silent', name: alert, ok: false, afterMs: now - since, detail: 'fired: this was not an outage' });
      else if (!state.checks.some((c) => c.kind === 'silent' && c.name === alert)) setCheck({ kind: 'silent', name: alert, ok: true, detail: 'silent' });
    }
    return firing;
  };
  const symptomsDue = (): boolean =>
    [...watchedAlerts.map((a) => `alert ${a.alert}`), ...watchedSlis.map((q) => `sli ${q.name}`), ...s.verify.traces.map((t) => `trace ${t.name}`)].some((k) => !seen.has(k)) &&
    state.checks.filter((c) => c.kind !== 'recovery').every((c) => c.ok);

  // The lab's faults, for the panel and `status` (with time left).
  const syncFaults = async (): Promise<void> => {
    if (driver.target === 'k8s') return syncFromLedger();
    const status = await driver.status().catch(() => undefined);
    if (!status) return;
    const on = new Set(status.faults.map((f) => f.id));
    // Only this scenario's: the runner names its faults `<experiment>-<run stamp>-<index>`.
    const prefix = `${loaded.experiment?.name ?? '\0'}-`;
    for (const f of status.faults.filter((x) => x.id.startsWith(prefix))) {
      if (!state.faults.some((x) => x.id === f.id)) state.faults.push({ id: f.id, name: `${f.kind} ${f.components.join(',')}`, kind: f.kind, components: f.components, expiresAt: f.expiresAt });
    }
    for (const f of state.faults) if (!on.has(f.id)) f.reverted = true;
    changed();
  };

  // In the cluster, the faults are the ledger's entries this process owns (what they changed is in fault.plan); one
  // reverted by the chaos kill switch (`npm run chaos -- reset`) ends the scenario: the trainee pulled it.
  const syncFromLedger = (): void => {
    const mine = options.ledger.entries().filter((e) => e.owner.pid === process.pid && e.experiment === loaded.experiment?.name && e.recordedAt >= state.startedAt);
    for (const e of mine) {
      let f = state.faults.find((x) => x.id === e.fault.id);
      if (!f) {
        f = { id: e.fault.id, name: `${e.fault.kind} ${e.fault.components.join(',')}`, kind: e.fault.kind, components: e.fault.components, expiresAt: e.fault.expiresAt };
        state.faults.push(f);
      }
      if (e.state === 'reverted' || e.state === 'failed') f.reverted = true;
    }
    if (!signal.aborted && mine.some((e) => e.revertedBy === 'reset')) {
      say('the chaos kill switch (npm run chaos -- reset) reverted this scenario\'s faults: the scenario stops');
      stopper.abort();
    }
    changed();
  };

  // The scenario's own gate: none of its symptoms may be there before the break, else "seen" would prove nothing
  // (the backlog of an earlier run, a slow burn still firing). Waits for the lab to settle, like the runner's gate.
  const settled = async (): Promise<string[]> => {
    const firing = await prometheus.firingAlerts().catch(() => new Set<string>());
    const present = [...watchedAlerts.map((a) => a.alert), ...s.verify.silent].filter((a) => firing.has(a));
    for (const q of watchedSlis) {
      const value = await prometheus.value(q.query).catch(() => undefined);
      if (value !== undefined && ((q.above !== undefined && value > q.above) || (q.below !== undefined && value < q.below))) present.push(`${q.name} (${Math.round(value * 1000) / 1000})`);
    }
    return present;
  };
  const gateDeadline = Date.now() + (options.gateTimeoutMs ?? 90_000);
  for (let present = await settled(); present.length > 0 && !signal.aborted; present = await settled()) {
    if (Date.now() > gateDeadline) {
      state.error = `the lab did not settle before the break: ${present.join(', ')} already there`;
      break;
    }
    say(`waiting for the lab to settle before the break: ${present.join(', ')} already there`);
    await sleep(5_000);
  }

  let report: RunReport | undefined;
  try {
    if (state.error) throw new Error(state.error);
    await startTraffic();
    if (loaded.experiment) {
      const exp = loaded.experiment;
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          await syncFaults();
          if (state.breakAt !== undefined) await watchSymptoms();
          await sleep(pollMs);
        }
      })();
      const onLine = (line: string): void => {
        if (/\] injected /.test(line) && state.breakAt === undefined) {
          state.breakAt = Date.now();
          state.phase = 'broken';
          say('the break is on: find out what is wrong (npm run scenario -- status | hint)');
        }
        if (/\] reverted /.test(line)) {
          state.phase = 'restoring';
          state.restoredAt = undefined;
        }
        say(line.replace(/^chaos /, 'chaos: '));
      };
      try {
        report = await runExperiment({ name: exp.name, experiment: exp.experiment, driver, ledger: options.ledger, signal, log: onLine, reportFile: options.reportFile, gateTimeoutMs: options.gateTimeoutMs, skipProbes: options.skipProbes });
      } finally {
        watching = false;
        await watcher;
      }
      await syncFaults();
      for (const x of report.verdict.expectationResults) {
        setCheck({ kind: x.kind, name: x.name, ok: x.met, afterMs: x.seenAfterMs, detail: x.seenAfterMs === undefined ? `not seen within ${secs(x.withinMs)}` : undefined });
      }
      // Symptoms of the scenario's own still not seen: a last look (traces arrive in batches).
      const lastLook = Date.now() + 15_000;
      while (symptomsDue() && Date.now() < lastLook && !signal.aborted) {
        await watchSymptoms();
        await sleep(pollMs);
      }
      for (const c of state.checks.filter((x) => x.kind !== 'recovery' && x.kind !== 'silent' && x.afterMs === undefined)) setCheck({ ...c, ok: false });
      const recovered = report.verdict.hypothesis === 'held' && report.verdict.exitCode <= 1 && report.recoveredAfterMs !== undefined;
      setCheck({ kind: 'recovery', name: `${exp.name}: steady state back, every fault reverted`, ok: recovered, afterMs: report.recoveredAfterMs, detail: report.verdict.reasons.join('; ') || undefined });
      if (report.verdict.status !== 'completed') setCheck({ kind: 'experiment', name: `${exp.name} ran to the end`, ok: false, detail: report.verdict.reasons.join('; ') });
    } else {
      state.breakAt = Date.now();
      state.phase = 'broken';
      say('the break is on: find out what is wrong (npm run scenario -- status | hint)');
      const until = state.breakAt + (s.break.lasts ?? 60_000);
      while (Date.now() < until && !signal.aborted) {
        await watchSymptoms();
        if (options.endWhenSeen && s.verify.silent.length === 0 && !symptomsDue()) break;
        await sleep(pollMs);
      }
      for (const c of state.checks.filter((x) => x.kind !== 'recovery' && x.kind !== 'silent' && x.afterMs === undefined)) setCheck({ ...c, ok: false, detail: `${c.detail ?? ''} (not seen)` });
      state.phase = 'restoring';
      say('the break is over: the load stops');
    }
  } catch (error) {
    state.error = (error as Error).message;
    say(`error: ${state.error}`);
  } finally {
    loadAbort.abort();
    await load?.stop();
    stopProcessGroup(profile);
  }

  // The restore, checked like the break: the scenario's SLIs back, its alerts resolved.
  if (!signal.aborted && !state.error) {
    state.phase = 'restoring';
    changed();
    const endedAt = Date.now();
    const deadline = endedAt + s.restore.within;
    let backAt: number | undefined;
    for (;;) {
      const firing = await prometheus.firingAlerts().catch(() => new Set<string>());
      const pending: string[] = watchedAlerts.filter((a) => firing.has(a.alert)).map((a) => a.alert);
      for (const q of watchedSlis) {
        const value = await prometheus.value(q.query).catch(() => undefined);
        const moved = value !== undefined && ((q.above !== undefined && value > q.above) || (q.below !== undefined && value < q.below));
        if (moved) pending.push(q.name);
      }
      if (pending.length === 0) {
        backAt ??= Date.now();
        if (Date.now() - backAt >= 10_000) break;
      } else backAt = undefined;
      if (Date.now() > deadline) {
        setCheck({ kind: 'recovery', name: 'symptoms gone', ok: false, detail: `still there ${secs(s.restore.within)} after the break ended: ${pending.join(', ')}` });
        break;
      }
      await sleep(pollMs);
    }
    if (backAt !== undefined && Date.now() - backAt >= 10_000) setCheck({ kind: 'recovery', name: 'symptoms gone', ok: true, afterMs: backAt - endedAt });
    state.restoredAt = Date.now();
    state.phase = state.checks.filter((c) => c.kind === 'recovery').every((c) => c.ok) ? 'restored' : 'not-restored';
    say(state.phase === 'restored' ? `restored: ${s.restore.explain.trim()}` : 'not restored: see the checks (npm run scenario -- status)');
  } else {
    state.phase = signal.aborted ? 'stopped' : 'failed';
    say(signal.aborted ? 'stopped: every fault reverted, the load stopped' : 'failed: every fault reverted, the load stopped');
  }
  state.endedAt = Date.now();
  changed();
  options.signal?.removeEventListener('abort', stopOuter);
  return { state, report };
}
