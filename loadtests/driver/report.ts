/** The driver's result: the JSON written to disk and the table printed on screen. Pure. */
import type { Summary } from '../lib/stats.ts';
import type { SloCheck } from '../lib/slo.ts';

export interface EndpointReport extends Summary {
  name: string;
  errors: number;
  errorKinds: Record<string, number>;
}

export interface TimelinePoint {
  t: number;
  vus: number;
  vehicles: number;
  positions: number;
  requests: number;
}

/** One POST /fleets beyond the cap, and what made it a pass (429 with Retry-After) or not. */
export interface BeyondCapAttempt {
  /** Seconds into the run. */
  t: number;
  vehicles: number;
  /** Vehicles on the road per GET /fleets/limits just before. */
  onRoad: number;
  /** 0: no answer (timeout or network). */
  status: number;
  retryAfter: string | undefined;
  ms: number;
  ok: boolean;
  why: string;
}

/** A read endpoint of the capacity run against the reads' p99 threshold. */
export interface ReadVerdict extends Summary {
  name: string;
  errors: number;
  ok: boolean;
}

/** The capacity profile's own part of the report. */
export interface CapacityReport {
  cap: { name: string; limit: number; onRoadBefore: number; maxFleetVehicles: number };
  readsP99Ms: number;
  /** The fleets that filled the road, in order: vehicles and what POST /fleets answered. */
  fill: { vehicles: number; status: number }[];
  beyondCap: BeyondCapAttempt[];
  reads: ReadVerdict[];
}

export interface RunReport {
  startedAt: string;
  endedAt: string;
  durationSec: number;
  stoppedBy: 'schedule' | 'max-duration' | 'signal' | 'error';
  machine: { cpu: string; cores: number; node: string; platform: string };
  target: string;
  profile: { name: string; stages: { duration: number; target: number }[]; maxDurationSec: number };
  vehicles: { peak: number; paceMs: number | undefined; fleetsCreated: number; fleetsCancelled: number; fleetErrors: number };
  slo: { apiLatencyP99Ms: number; errorRate: number; freshnessP99Ms: number; source: string };
  api: { overall: EndpointReport; endpoints: EndpointReport[] };
  freshness: Summary;
  positions: { delivered: number; perSecond: number; peakPerSecond: number; watchSec: number };
  socket: { connectErrors: number; disconnects: number };
  checks: SloCheck[];
  ok: boolean;
  timeline: TimelinePoint[];
  capacity?: CapacityReport;
}

function fmt(n: number | undefined, digits = 1): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return n.toFixed(digits);
}

/** Left-aligned first column, right-aligned numbers. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function formatCapacity(c: CapacityReport): string {
  const admitted = c.fill.filter((f) => f.status === 202).reduce((a, f) => a + f.vehicles, 0);
  const refused = c.beyondCap.filter((a) => a.ok).length;
  const reads = formatTable(
    ['reads (ms)', 'requests', 'errors', 'p50', 'p99', 'max', `p99 ≤ ${c.readsP99Ms}`],
    c.reads.map((e) => [e.name, String(e.count), String(e.errors), fmt(e.p50), fmt(e.p99), fmt(e.max), e.ok ? 'pass' : 'FAIL']),
  );
  const beyond = formatTable(
    ['beyond the cap', 't s', 'vehicles', 'on road', 'status', 'Retry-After', 'ms', 'result'],
    c.beyondCap.map((a, i) => [`attempt ${i + 1}`, fmt(a.t, 0), String(a.vehicles), String(a.onRoad), String(a.status || '–'), a.retryAfter ?? '–', fmt(a.ms), a.ok ? 'pass' : `FAIL: ${a.why}`]),
  );
  return [
    `cap: ${c.cap.name} = ${c.cap.limit} (${c.cap.onRoadBefore} on the road before the run; one fleet takes at most ${c.cap.maxFleetVehicles})`,
    `filled: ${admitted} vehicles admitted in ${c.fill.filter((f) => f.status === 202).length} of ${c.fill.length} fleets (${c.fill.map((f) => `${f.vehicles} → ${f.status || 'no answer'}`).join(', ') || 'none'})`,
    `beyond the cap: ${refused} of ${c.beyondCap.length} attempts refused with 429 and Retry-After`,
    '',
    beyond,
    '',
    reads,
  ].join('\n');
}

export function formatReport(r: RunReport): string {
  const endpointRows = [...r.api.endpoints, r.api.overall].map((e) => [
    e.name,
    String(e.count),
    String(e.errors),
    fmt(e.p50),
    fmt(e.p95),
    fmt(e.p99),
    fmt(e.max),
  ]);
  const api = formatTable(['api (ms)', 'requests', 'errors', 'p50', 'p95', 'p99', 'max'], endpointRows);
  const f = r.freshness;
  const delivery = formatTable(
    ['socket', 'positions', 'per s', 'peak per s', 'fresh p50', 'fresh p95', 'fresh p99', 'max'],
    [['fleet positions', String(r.positions.delivered), fmt(r.positions.perSecond), String(r.positions.peakPerSecond), fmt(f.p50), fmt(f.p95), fmt(f.p99), fmt(f.max)]],
  );
  const slo = formatTable(
    ['SLO', 'objective', 'observed', 'result'],
    r.checks.map((c) => [c.name, c.objective, c.observed, c.ok ? 'pass' : 'FAIL']),
  );
  const middle = r.capacity ? [formatCapacity(r.capacity), '', api] : [api, '', delivery];
  return [
    `fleetlab load — profile ${r.profile.name}, ${r.vehicles.peak} vehicles at the peak, ${r.durationSec.toFixed(0)} s against ${r.target} (stopped by ${r.stoppedBy})`,
    `fleets: ${r.vehicles.fleetsCreated} created, ${r.vehicles.fleetsCancelled} cancelled, ${r.vehicles.fleetErrors} failed; socket: ${r.socket.connectErrors} connect errors, ${r.socket.disconnects} disconnects`,
    '',
    ...middle,
    '',
    r.capacity ? `checks (API latency SLO from ${r.slo.source})` : `SLOs from ${r.slo.source}`,
    slo,
    '',
    r.ok ? `PASS: every ${r.capacity ? 'check' : 'SLO'} held` : `FAIL: at least one ${r.capacity ? 'check failed' : 'SLO broken'}${r.stoppedBy === 'schedule' ? '' : ` (stopped by ${r.stoppedBy})`}`,
  ].join('\n');
}
