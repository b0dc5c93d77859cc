import { describe, expect, it } from 'vitest';
import { decide, judgeProbe, type Observations } from './verdict';
import type { Probe } from './schema';

const probe = (over: Partial<Probe> = {}): Probe => ({ name: 'errors', query: 'q', tolerance: { max: 0.05 }, whenEmpty: 'fail', ...over });

const good: Observations = {
  gate: [judgeProbe(probe(), 0)],
  reverts: [{ id: 'f1', ok: true }],
  expectations: [{ kind: 'alert', name: 'FleetlabApiHighErrorRateFastBurn', withinMs: 60_000, seenAfterMs: 25_000, recoveredAfterMs: 30_000 }],
  recoverWithinMs: 120_000,
  recoveredAfterMs: 30_000,
  after: [judgeProbe(probe(), 0.01)],
};

describe('probes', () => {
  it('hold within min and max', () => {
    expect(judgeProbe(probe({ tolerance: { min: 1, max: 2 } }), 1.5).ok).toBe(true);
    expect(judgeProbe(probe({ tolerance: { min: 1 } }), 0.5)).toMatchObject({ ok: false, detail: '0.5 < min 1' });
    expect(judgeProbe(probe(), 0.2)).toMatchObject({ ok: false, detail: '0.2 > max 0.05' });
  });

  it('read an empty result as the probe says', () => {
    expect(judgeProbe(probe(), undefined)).toMatchObject({ ok: false, detail: 'no data' });
    expect(judgeProbe(probe({ whenEmpty: 'pass' }), undefined).ok).toBe(true);
    expect(judgeProbe(probe({ whenEmpty: 'zero', tolerance: { min: 1 } }), undefined)).toMatchObject({ ok: false, detail: '0 < min 1' });
  });
});

describe('the verdict', () => {
  it('held and met: exit 0', () => {
    expect(decide(good)).toMatchObject({ status: 'completed', hypothesis: 'held', expectations: 'met', exitCode: 0, reasons: [] });
  });

  it('an alert seen too late or never: expectations not met, exit 1', () => {
    const late = decide({ ...good, expectations: [{ ...good.expectations[0]!, seenAfterMs: 70_000 }] });
    expect(late).toMatchObject({ hypothesis: 'held', expectations: 'not-met', exitCode: 1 });
    expect(late.reasons).toEqual(['alert FleetlabApiHighErrorRateFastBurn seen after 70 s, expected within 60 s']);
    const never = decide({ ...good, expectations: [{ ...good.expectations[0]!, seenAfterMs: undefined }] });
    expect(never.reasons).toEqual(['alert FleetlabApiHighErrorRateFastBurn never seen (expected within 60 s)']);
  });

  it('steady state not back afterwards: the hypothesis deviated', () => {
    const v = decide({ ...good, after: [judgeProbe(probe(), 0.3)] });
    expect(v).toMatchObject({ hypothesis: 'deviated', exitCode: 1 });
    expect(v.reasons).toEqual(['steady state after: errors 0.3 > max 0.05']);
  });

  it('no recovery in time: expectations not met', () => {
    expect(decide({ ...good, recoveredAfterMs: undefined })).toMatchObject({ expectations: 'not-met', recovered: false, exitCode: 1 });
    expect(decide({ ...good, recoveredAfterMs: 200_000 }).reasons).toEqual(['recovered after 200 s, expected within 120 s']);
  });

  it('gate failed: nothing tested, exit 2', () => {
    const v = decide({ ...good, gate: [judgeProbe(probe(), 0.5)] });
    expect(v).toMatchObject({ status: 'gate-failed', hypothesis: 'not-tested', expectations: 'not-tested', exitCode: 2 });
    expect(v.reasons).toEqual(['steady state before: errors 0.5 > max 0.05']);
  });

  it('aborted: deviated, exit 2; a fault left behind wins over everything: exit 3', () => {
    expect(decide({ ...good, aborted: { reason: 'errors > 0.5 for 10 s' } })).toMatchObject({ status: 'aborted', hypothesis: 'deviated', exitCode: 2 });
    const stuck = decide({ ...good, reverts: [{ id: 'f1', ok: false, error: 'lab unreachable' }] });
    expect(stuck).toMatchObject({ hypothesis: 'deviated', allReverted: false, exitCode: 3 });
    expect(stuck.reasons[0]).toBe('fault f1 was not reverted: lab unreachable — run `npm run chaos -- reset`');
  });
});

describe('the verdict of a run with probes skipped (faults only)', () => {
  const skipped: Observations = { gate: [], reverts: [{ id: 'f1', ok: true }], expectations: [], recoverWithinMs: 120_000, recoveredAfterMs: undefined, after: [], probesSkipped: 'no kubelet' };

  it('tests nothing and says why; 0 means only that every fault was injected and reverted', () => {
    const v = decide(skipped);
    expect(v).toMatchObject({ status: 'completed', hypothesis: 'not-tested', expectations: 'not-tested', exitCode: 0, allReverted: true });
    expect(v.reasons[0]).toBe('steady state, abort conditions and expectations not checked: no kubelet');
  });

  it('a fault not reverted is 3, an interruption 2, as in a measured run', () => {
    expect(decide({ ...skipped, reverts: [{ id: 'f1', ok: false, error: 'boom' }] }).exitCode).toBe(3);
    expect(decide({ ...skipped, aborted: { reason: 'interrupted (Ctrl-C)' } })).toMatchObject({ status: 'aborted', exitCode: 2 });
    expect(decide({ ...skipped, error: 'the cluster went away' })).toMatchObject({ status: 'error', exitCode: 3 });
  });
});
