/**
 * The verdict of a run, from what was observed. Two questions, answered separately:
 * - did the hypothesis hold? The steady state was there before (the gate), every fault was reverted, nothing made
 *   the run abort, and the steady state came back afterwards;
 * - were the expectations met? Every named alert fired within its time, every named SLI moved within its time, and
 *   the lab recovered within recoverWithin after the last revert.
 */
import type { Probe, Tolerance } from './schema';

export interface ProbeResult {
  name: string;
  query: string;
  value: number | undefined;
  tolerance: Tolerance;
  ok: boolean;
  /** Why it failed, when it did. */
  detail?: string;
}

/** A probe's value against its tolerance; empty results follow the probe's whenEmpty. */
export function judgeProbe(probe: Probe, value: number | undefined): ProbeResult {
  const base = { name: probe.name, query: probe.query, tolerance: probe.tolerance };
  if (value === undefined || Number.isNaN(value)) {
    if (probe.whenEmpty === 'pass') return { ...base, value, ok: true };
    if (probe.whenEmpty === 'zero') return judgeProbe({ ...probe, whenEmpty: 'fail' }, 0);
    return { ...base, value, ok: false, detail: 'no data' };
  }
  const { min, max } = probe.tolerance;
  if (min !== undefined && value < min) return { ...base, value, ok: false, detail: `${value} < min ${min}` };
  if (max !== undefined && value > max) return { ...base, value, ok: false, detail: `${value} > max ${max}` };
  return { ...base, value, ok: true };
}

export interface ExpectationResult {
  kind: 'alert' | 'sli';
  name: string;
  withinMs: number;
  /** Ms after the first fault at which it was first seen; undefined if never. */
  seenAfterMs: number | undefined;
  /** Ms after the last revert at which it was gone again (alert resolved, SLI back); undefined if not seen to recover. */
  recoveredAfterMs: number | undefined;
  met: boolean;
}

export interface Observations {
  gate: ProbeResult[];
  aborted?: { reason: string };
  reverts: Array<{ id: string; ok: boolean; error?: string }>;
  expectations: Array<Omit<ExpectationResult, 'met'>>;
  recoverWithinMs: number;
  /** Ms after the last revert at which every expectation had recovered and the steady state held; undefined if never. */
  recoveredAfterMs: number | undefined;
  after: ProbeResult[];
  /** A step that threw (a driver error, a lab that went away). */
  error?: string;
  /**
   * Why the steady state and expectations were not checked at all (a lab with nothing to measure, such as an API
   * server without kubelets): only the faults were injected and reverted; the verdict says so and tests nothing.
   */
  probesSkipped?: string;
}

export interface Verdict {
  status: 'completed' | 'gate-failed' | 'aborted' | 'error';
  hypothesis: 'held' | 'deviated' | 'not-tested';
  expectations: 'met' | 'not-met' | 'not-tested';
  expectationResults: ExpectationResult[];
  recovered: boolean;
  allReverted: boolean;
  /** 0 held and met · 1 deviated or not met · 2 gate failed or aborted · 3 a fault could not be reverted or a step failed. */
  exitCode: 0 | 1 | 2 | 3;
  reasons: string[];
}

export function decide(o: Observations): Verdict {
  const reasons: string[] = [];
  const allReverted = o.reverts.every((r) => r.ok);
  for (const r of o.reverts.filter((x) => !x.ok)) reasons.push(`fault ${r.id} was not reverted: ${r.error ?? 'unknown error'} — run \`npm run chaos -- reset\``);

  if (o.probesSkipped !== undefined) {
    reasons.unshift(`steady state, abort conditions and expectations not checked: ${o.probesSkipped}`);
    if (o.aborted) reasons.push(`aborted: ${o.aborted.reason}`);
    if (o.error) reasons.push(`error: ${o.error}`);
    return {
      status: o.error ? 'error' : o.aborted ? 'aborted' : 'completed',
      hypothesis: 'not-tested',
      expectations: 'not-tested',
      expectationResults: [],
      recovered: false,
      allReverted,
      // 0 here says only: every fault was injected and reverted.
      exitCode: !allReverted || o.error ? 3 : o.aborted ? 2 : 0,
      reasons,
    };
  }

  const gateHeld = o.gate.every((p) => p.ok);
  if (!gateHeld) {
    for (const p of o.gate.filter((x) => !x.ok)) reasons.push(`steady state before: ${p.name} ${p.detail ?? ''}`.trim());
    return {
      status: 'gate-failed',
      hypothesis: 'not-tested',
      expectations: 'not-tested',
      expectationResults: [],
      recovered: false,
      allReverted,
      exitCode: allReverted ? 2 : 3,
      reasons: reasons.length > 0 ? reasons : ['steady state did not hold before the run; no fault injected'],
    };
  }

  const expectationResults = o.expectations.map((x) => ({ ...x, met: x.seenAfterMs !== undefined && x.seenAfterMs <= x.withinMs }));
  for (const x of expectationResults.filter((e) => !e.met)) {
    reasons.push(
      x.seenAfterMs === undefined
        ? `${x.kind} ${x.name} never seen (expected within ${x.withinMs / 1000} s)`
        : `${x.kind} ${x.name} seen after ${x.seenAfterMs / 1000} s, expected within ${x.withinMs / 1000} s`,
    );
  }
  const recovered = o.recoveredAfterMs !== undefined && o.recoveredAfterMs <= o.recoverWithinMs;
  if (!recovered) {
    reasons.push(
      o.recoveredAfterMs === undefined
        ? `did not recover within ${o.recoverWithinMs / 1000} s of the last revert`
        : `recovered after ${o.recoveredAfterMs / 1000} s, expected within ${o.recoverWithinMs / 1000} s`,
    );
  }
  const afterHeld = o.after.length === 0 ? recovered : o.after.every((p) => p.ok);
  for (const p of o.after.filter((x) => !x.ok)) reasons.push(`steady state after: ${p.name} ${p.detail ?? ''}`.trim());
  if (o.aborted) reasons.push(`aborted: ${o.aborted.reason}`);
  if (o.error) reasons.push(`error: ${o.error}`);

  const hypothesis = afterHeld && allReverted && !o.aborted && !o.error ? 'held' : 'deviated';
  const expectations = expectationResults.every((x) => x.met) && recovered ? 'met' : 'not-met';
  const status = o.error ? 'error' : o.aborted ? 'aborted' : 'completed';
  const exitCode = !allReverted || o.error ? 3 : o.aborted ? 2 : hypothesis === 'held' && expectations === 'met' ? 0 : 1;
  return { status, hypothesis, expectations, expectationResults, recovered, allReverted, exitCode, reasons };
}
