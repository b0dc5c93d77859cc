/**
 * The capacity profile's pure parts: how to fill the api's cap with fleets, which reads to time (the endpoints
 * `npm run bench -- reads` times, under the same names), and the verdict. No I/O, so each is unit-tested alone.
 */
import { fleetVehicleId, type FleetLimits } from '@fleetlab/contracts';
import type { SloCheck } from '../lib/slo.ts';
import type { Summary } from '../lib/stats.ts';
import type { BeyondCapAttempt, CapacityReport, ReadVerdict } from './report.ts';

/** The reads timed while the road is full, in the order a virtual user makes them. */
export const READ_ENDPOINTS = [
  'GET /trips',
  'GET /trips?offset',
  'GET /trips?status=running',
  'GET /trips?status=finished',
  'GET /trips?routeId',
  'GET /trips?fleetId',
  'GET /trips?fleetId&status',
  'GET /trips?vehicleId',
  'GET /fleets/:id',
  'GET /trips/:id',
  'GET /trips/:id/positions',
  'GET /routes',
] as const;
/** Timed once per fleet, when the run cancels its fleets at the end: cancelling earlier would free the road. */
export const CANCEL_ENDPOINT = 'DELETE /fleets/:id';
/** Every endpoint the verdict wants sampled. */
export const TIMED_ENDPOINTS: readonly string[] = [...READ_ENDPOINTS, CANCEL_ENDPOINT];

export interface FillPlan {
  /** Vehicles on the road before the run (other clients'). */
  onRoadBefore: number;
  /** Room left under the cap, filled by the run. */
  room: number;
  /** Fleet sizes that fill the room exactly, largest first. */
  fleets: number[];
}

/** Fleets of `fleetVehicles` (default: the largest the api takes) up to the cap; the last one takes what is left. */
export function planFill(limits: FleetLimits, fleetVehicles?: number): FillPlan {
  const { limit, current } = limits.vehiclesOnRoad;
  const size = Math.max(1, Math.min(fleetVehicles ?? limits.maxFleetVehicles, limits.maxFleetVehicles));
  const room = Math.max(0, limit - current);
  const fleets: number[] = [];
  for (let left = room; left > 0; left -= size) fleets.push(Math.min(size, left));
  return { onRoadBefore: current, room, fleets };
}

/**
 * Vehicles for the n-th attempt beyond the cap: one vehicle, then the largest fleet, in turn; always more than the
 * room the api reported just before, so admitting it would break the cap.
 */
export function beyondCapVehicles(n: number, limits: FleetLimits): number | undefined {
  const room = Math.max(0, limits.vehiclesOnRoad.limit - limits.vehiclesOnRoad.current);
  const wanted = n % 2 === 0 ? 1 : limits.maxFleetVehicles;
  const vehicles = Math.max(wanted, room + 1);
  // A road with more room than one fleet can take cannot be overfilled by one request.
  return vehicles <= limits.maxFleetVehicles ? vehicles : undefined;
}

/** A refusal is a pass: 429, a Retry-After of whole seconds ≥ 1, and a body naming the cap. Anything else fails. */
export function judgeAttempt(res: { status: number; retryAfter: string | undefined; capName: string | undefined }): { ok: boolean; why: string } {
  if (res.status === 0) return { ok: false, why: 'no answer (timeout or network)' };
  if (res.status >= 200 && res.status < 300) return { ok: false, why: `admitted (${res.status}) beyond the cap` };
  if (res.status !== 429) return { ok: false, why: `answered ${res.status}, not 429` };
  if (!res.retryAfter || !/^[0-9]+$/.test(res.retryAfter) || Number(res.retryAfter) < 1) {
    return { ok: false, why: `429 without a usable Retry-After (${res.retryAfter ?? 'none'})` };
  }
  if (res.capName !== 'API_MAX_VEHICLES_ON_ROAD') return { ok: false, why: `429 naming ${res.capName ?? 'no cap'}` };
  return { ok: true, why: 'refused' };
}

export interface ReadTargets {
  fleets: readonly { id: string; vehicles: number }[];
  tripIds: readonly string[];
  routeIds: readonly string[];
}

export interface ReadProbe {
  name: (typeof READ_ENDPOINTS)[number];
  path: string;
}

/**
 * The reads of round `i`: each endpoint once, on a fleet, trip and route chosen by `i`. Reads that need a fleet or a
 * trip wait until the run has one; pages walk through the lists (offset up to 5,000, as the reads bench pages).
 */
export function readProbes(targets: ReadTargets, i: number): ReadProbe[] {
  const pick = <T>(list: readonly T[]): T | undefined => (list.length > 0 ? list[(i * 7919) % list.length] : undefined);
  const fleet = pick(targets.fleets);
  const trip = pick(targets.tripIds);
  const route = pick(targets.routeIds);
  const id = encodeURIComponent;
  const all: (ReadProbe | undefined)[] = [
    { name: 'GET /trips', path: '/trips?limit=50' },
    { name: 'GET /trips?offset', path: `/trips?limit=50&offset=${50 * (i % 101)}` },
    { name: 'GET /trips?status=running', path: '/trips?status=running&limit=50' },
    { name: 'GET /trips?status=finished', path: '/trips?status=finished&limit=50' },
    route !== undefined ? { name: 'GET /trips?routeId', path: `/trips?routeId=${id(route)}&limit=50` } : undefined,
    fleet ? { name: 'GET /trips?fleetId', path: `/trips?fleetId=${id(fleet.id)}&limit=50&offset=${(i * 50) % fleet.vehicles}` } : undefined,
    fleet ? { name: 'GET /trips?fleetId&status', path: `/trips?fleetId=${id(fleet.id)}&status=running&limit=50` } : undefined,
    fleet ? { name: 'GET /trips?vehicleId', path: `/trips?vehicleId=${id(fleetVehicleId(fleet.id, (i * 131) % fleet.vehicles))}` } : undefined,
    fleet ? { name: 'GET /fleets/:id', path: `/fleets/${id(fleet.id)}` } : undefined,
    trip !== undefined ? { name: 'GET /trips/:id', path: `/trips/${id(trip)}` } : undefined,
    trip !== undefined ? { name: 'GET /trips/:id/positions', path: `/trips/${id(trip)}/positions` } : undefined,
    { name: 'GET /routes', path: '/routes' },
  ];
  return all.filter((p): p is ReadProbe => p !== undefined);
}

/**
 * The capacity verdict: the road filled up to the cap, every attempt beyond it refused with 429 and Retry-After, every
 * timed endpoint sampled without a failed request, and each one's p99 within `readsP99Ms`.
 */
export function judgeCapacity(run: {
  plan: FillPlan;
  limit: number;
  fill: CapacityReport['fill'];
  beyondCap: readonly BeyondCapAttempt[];
  endpoints: ReadonlyMap<string, Summary & { errors: number }>;
  readsP99Ms: number;
}): { ok: boolean; checks: SloCheck[]; reads: ReadVerdict[] } {
  const admitted = run.fill.filter((f) => f.status === 202).reduce((a, f) => a + f.vehicles, 0);
  const refused = run.beyondCap.filter((a) => a.ok).length;
  const firstBad = run.beyondCap.find((a) => !a.ok);
  const reads: ReadVerdict[] = TIMED_ENDPOINTS.map((name) => {
    const s = run.endpoints.get(name);
    const summary: Summary = s ?? { count: 0, min: undefined, mean: undefined, p50: undefined, p95: undefined, p99: undefined, max: undefined };
    const errors = s?.errors ?? 0;
    return { name, ...summary, count: summary.count, errors, ok: summary.count > 0 && errors === 0 && summary.p99 !== undefined && summary.p99 <= run.readsP99Ms };
  });
  const unsampled = reads.filter((r) => r.count === 0).map((r) => r.name);
  const failed = reads.reduce((a, r) => a + r.errors, 0);
  const slow = reads.filter((r) => r.count > 0 && !(r.p99! <= run.readsP99Ms));
  const worst = reads.filter((r) => r.p99 !== undefined).sort((a, b) => b.p99! - a.p99!)[0];
  const checks: SloCheck[] = [
    {
      name: 'filled to the cap',
      objective: `${run.plan.room} vehicles admitted (cap ${run.limit}, ${run.plan.onRoadBefore} on the road before)`,
      observed: run.plan.room === 0 ? 'no room: the road was full before the run' : `${admitted} in ${run.fill.filter((f) => f.status === 202).length} of ${run.fill.length} fleets`,
      ok: run.plan.room > 0 && admitted === run.plan.room && run.fill.length === run.plan.fleets.length,
    },
    {
      name: 'refused beyond the cap',
      objective: '429 with Retry-After, every attempt',
      observed: run.beyondCap.length === 0 ? 'no attempt' : `${refused}/${run.beyondCap.length}${firstBad ? `; ${firstBad.why}` : ''}`,
      ok: run.beyondCap.length > 0 && refused === run.beyondCap.length,
    },
    {
      name: 'reads answered',
      objective: 'every endpoint sampled, none failed',
      observed: unsampled.length > 0 ? `not sampled: ${unsampled.join(', ')}` : `${failed} failed of ${reads.reduce((a, r) => a + r.count, 0)}`,
      ok: unsampled.length === 0 && failed === 0,
    },
    {
      name: 'reads p99',
      objective: `≤ ${run.readsP99Ms} ms, every endpoint`,
      observed: worst ? `worst ${worst.name} ${Math.round(worst.p99!)} ms${slow.length ? `; ${slow.length} over` : ''}` : 'no requests',
      ok: worst !== undefined && slow.length === 0 && unsampled.length === 0,
    },
  ];
  return { ok: checks.every((c) => c.ok), checks, reads };
}
