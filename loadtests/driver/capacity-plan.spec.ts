import type { FleetLimits } from '@fleetlab/contracts';
import { describe, expect, it } from 'vitest';
import { MsHistogram } from '../lib/stats.ts';
import { beyondCapVehicles, judgeAttempt, judgeCapacity, planFill, READ_ENDPOINTS, readProbes, TIMED_ENDPOINTS } from './capacity-plan.ts';
import { formatReport, type BeyondCapAttempt, type RunReport } from './report.ts';

const limits = (limit: number, current: number, maxFleetVehicles = 20_000): FleetLimits => ({
  maxFleetVehicles,
  vehiclesOnRoad: { name: 'API_MAX_VEHICLES_ON_ROAD', limit, current },
  routesPerRequest: { name: 'API_MAX_ROUTES_PER_REQUEST', limit: 1000 },
});

describe('planFill', () => {
  it('fills the room under the cap with the largest fleets the api takes, the last one with what is left', () => {
    expect(planFill(limits(20_000, 0))).toEqual({ onRoadBefore: 0, room: 20_000, fleets: [20_000] });
    expect(planFill(limits(50_000, 5_000))).toEqual({ onRoadBefore: 5_000, room: 45_000, fleets: [20_000, 20_000, 5_000] });
    expect(planFill(limits(30, 0), 12).fleets).toEqual([12, 12, 6]);
    // Never a fleet larger than the api takes, whatever was asked.
    expect(planFill(limits(100, 0, 40), 60).fleets).toEqual([40, 40, 20]);
    expect(planFill(limits(10, 25))).toEqual({ onRoadBefore: 25, room: 0, fleets: [] });
  });
});

describe('beyondCapVehicles', () => {
  it('asks for one vehicle, then the largest fleet, always more than the room left', () => {
    expect(beyondCapVehicles(0, limits(30, 30))).toBe(1);
    expect(beyondCapVehicles(1, limits(30, 30))).toBe(20_000);
    // Someone left the road: one vehicle would fit, so ask for one more than fits.
    expect(beyondCapVehicles(0, limits(30, 20))).toBe(11);
    expect(beyondCapVehicles(0, limits(50_000, 0))).toBeUndefined();
  });
});

describe('judgeAttempt', () => {
  it('passes a 429 with a Retry-After of whole seconds that names the cap, and fails everything else', () => {
    expect(judgeAttempt({ status: 429, retryAfter: '37', capName: 'API_MAX_VEHICLES_ON_ROAD' }).ok).toBe(true);
    expect(judgeAttempt({ status: 0, retryAfter: undefined, capName: undefined })).toEqual({ ok: false, why: 'no answer (timeout or network)' });
    expect(judgeAttempt({ status: 202, retryAfter: undefined, capName: undefined }).why).toMatch(/admitted/);
    expect(judgeAttempt({ status: 503, retryAfter: undefined, capName: undefined }).why).toMatch(/503, not 429/);
    expect(judgeAttempt({ status: 429, retryAfter: undefined, capName: 'API_MAX_VEHICLES_ON_ROAD' }).why).toMatch(/Retry-After/);
    expect(judgeAttempt({ status: 429, retryAfter: '0', capName: 'API_MAX_VEHICLES_ON_ROAD' }).ok).toBe(false);
    expect(judgeAttempt({ status: 429, retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT', capName: 'API_MAX_VEHICLES_ON_ROAD' }).ok).toBe(false);
    expect(judgeAttempt({ status: 429, retryAfter: '5', capName: 'API_MAX_ROUTES_PER_REQUEST' }).why).toMatch(/naming API_MAX_ROUTES_PER_REQUEST/);
  });
});

describe('readProbes', () => {
  it('reads every endpoint once a round once the run has a fleet and a trip, and only the others before', () => {
    const none = readProbes({ fleets: [], tripIds: [], routeIds: [] }, 0).map((p) => p.name);
    expect(none).toEqual(['GET /trips', 'GET /trips?offset', 'GET /trips?status=running', 'GET /trips?status=finished', 'GET /routes']);
    const full = readProbes({ fleets: [{ id: 'f/1', vehicles: 30 }], tripIds: ['t1'], routeIds: ['gen-4242-0'] }, 3);
    expect(full.map((p) => p.name)).toEqual([...READ_ENDPOINTS]);
    const path = (name: string): string => full.find((p) => p.name === name)!.path;
    expect(path('GET /trips?fleetId')).toBe('/trips?fleetId=f%2F1&limit=50&offset=0');
    expect(path('GET /trips?vehicleId')).toBe(`/trips?vehicleId=${encodeURIComponent('f/1-v3')}`);
    expect(path('GET /trips/:id/positions')).toBe('/trips/t1/positions');
    expect(path('GET /trips?offset')).toBe('/trips?limit=50&offset=150');
  });
});

function endpoints(ms: Record<string, number[]>, errors: Record<string, number> = {}) {
  return new Map(
    Object.entries(ms).map(([name, samples]) => {
      const h = new MsHistogram();
      for (const v of samples) h.record(v);
      return [name, { ...h.summary(), errors: errors[name] ?? 0 }];
    }),
  );
}

const refused: BeyondCapAttempt = { t: 1, vehicles: 1, onRoad: 30, status: 429, retryAfter: '200', ms: 3, ok: true, why: 'refused' };

describe('judgeCapacity', () => {
  const plan = planFill(limits(30, 0), 12);
  const fill = plan.fleets.map((vehicles) => ({ vehicles, status: 202 }));
  const fast = endpoints(Object.fromEntries(TIMED_ENDPOINTS.map((n) => [n, [5, 10, 20]])));

  it('passes a road filled to the cap, refusals beyond it and every read sampled within the p99', () => {
    const v = judgeCapacity({ plan, limit: 30, fill, beyondCap: [refused], endpoints: fast, readsP99Ms: 250 });
    expect(v.checks.map((c) => [c.name, c.ok])).toEqual([
      ['filled to the cap', true],
      ['refused beyond the cap', true],
      ['reads answered', true],
      ['reads p99', true],
    ]);
    expect(v.ok).toBe(true);
    expect(v.reads.map((r) => r.name)).toEqual([...TIMED_ENDPOINTS]);
  });

  it('fails a fill refused, an attempt admitted or unanswered, an unsampled or failed read, a slow p99', () => {
    const check = (v: ReturnType<typeof judgeCapacity>, name: string) => v.checks.find((c) => c.name === name)!;
    const base = { plan, limit: 30, fill, beyondCap: [refused], endpoints: fast, readsP99Ms: 250 };
    expect(check(judgeCapacity({ ...base, fill: [...fill.slice(0, 2), { vehicles: 6, status: 429 }] }), 'filled to the cap').ok).toBe(false);
    expect(check(judgeCapacity({ ...base, plan: planFill(limits(30, 30)), fill: [] }), 'filled to the cap').observed).toMatch(/road was full/);
    expect(check(judgeCapacity({ ...base, beyondCap: [] }), 'refused beyond the cap').ok).toBe(false);
    const timedOut = { ...refused, status: 0, ok: false, why: 'no answer (timeout or network)' };
    expect(check(judgeCapacity({ ...base, beyondCap: [refused, timedOut] }), 'refused beyond the cap').observed).toBe('1/2; no answer (timeout or network)');
    const missing = endpoints(Object.fromEntries(TIMED_ENDPOINTS.filter((n) => n !== 'GET /trips/:id/positions').map((n) => [n, [5]])));
    const unsampled = judgeCapacity({ ...base, endpoints: missing });
    expect(check(unsampled, 'reads answered').observed).toBe('not sampled: GET /trips/:id/positions');
    expect(unsampled.ok).toBe(false);
    const failed = endpoints(Object.fromEntries(TIMED_ENDPOINTS.map((n) => [n, [5]])), { 'GET /fleets/:id': 1 });
    expect(check(judgeCapacity({ ...base, endpoints: failed }), 'reads answered').observed).toBe(`1 failed of ${TIMED_ENDPOINTS.length}`);
    const slow = endpoints({ ...Object.fromEntries(TIMED_ENDPOINTS.map((n) => [n, [5]])), 'GET /trips?status=running': [5, 300] });
    const v = judgeCapacity({ ...base, endpoints: slow });
    expect(check(v, 'reads p99')).toMatchObject({ ok: false, observed: 'worst GET /trips?status=running 300 ms; 1 over' });
    expect(v.reads.find((r) => r.name === 'GET /trips?status=running')!.ok).toBe(false);
    // The threshold is the flag's: 300 ms passes at 300.
    expect(check(judgeCapacity({ ...base, endpoints: slow, readsP99Ms: 300 }), 'reads p99').ok).toBe(true);
  });

  it('prints the cap, the fill, each attempt and each read against the threshold', () => {
    const v = judgeCapacity({ plan, limit: 30, fill, beyondCap: [refused], endpoints: fast, readsP99Ms: 250 });
    const empty = { count: 0, min: undefined, mean: undefined, p50: undefined, p95: undefined, p99: undefined, max: undefined };
    const r: RunReport = {
      startedAt: '2026-11-30T08:00:00.000Z', endedAt: '2026-11-30T08:00:20.000Z', durationSec: 20, stoppedBy: 'schedule',
      machine: { cpu: 'cpu', cores: 2, node: 'v20', platform: 'linux' }, target: 'http://127.0.0.1:3000',
      profile: { name: 'capacity', stages: [{ duration: 20, target: 4 }], maxDurationSec: 180 },
      vehicles: { peak: 30, paceMs: 1000, fleetsCreated: 3, fleetsCancelled: 3, fleetErrors: 0 },
      slo: { apiLatencyP99Ms: 250, errorRate: 0.005, freshnessP99Ms: 1000, source: 'defaults' },
      api: { overall: { name: 'all', ...empty, errors: 0, errorKinds: {} }, endpoints: [] },
      freshness: empty, positions: { delivered: 0, perSecond: 0, peakPerSecond: 0, watchSec: 0 }, socket: { connectErrors: 0, disconnects: 0 },
      checks: v.checks, ok: v.ok, timeline: [],
      capacity: { cap: { name: 'API_MAX_VEHICLES_ON_ROAD', limit: 30, onRoadBefore: 0, maxFleetVehicles: 20_000 }, readsP99Ms: 250, fill, beyondCap: [refused], reads: v.reads },
    };
    const text = formatReport(r);
    expect(text).toContain('cap: API_MAX_VEHICLES_ON_ROAD = 30 (0 on the road before the run');
    expect(text).toContain('filled: 30 vehicles admitted in 3 of 3 fleets (12 → 202, 12 → 202, 6 → 202)');
    expect(text).toContain('beyond the cap: 1 of 1 attempts refused with 429 and Retry-After');
    expect(text).toMatch(/DELETE \/fleets\/:id\s+3\s+0\s+10\.0\s+20\.0\s+20\.0\s+pass/);
    expect(text).not.toContain('fleet positions');
    expect(text.trimEnd().endsWith('PASS: every check held')).toBe(true);
  });
});
