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
  return [
    `fleetlab load — profile ${r.profile.name}, ${r.vehicles.peak} vehicles at the peak, ${r.durationSec.toFixed(0)} s against ${r.target} (stopped by ${r.stoppedBy})`,
    `fleets: ${r.vehicles.fleetsCreated} created, ${r.vehicles.fleetsCancelled} cancelled, ${r.vehicles.fleetErrors} failed; socket: ${r.socket.connectErrors} connect errors, ${r.socket.disconnects} disconnects`,
    '',
    api,
    '',
    delivery,
    '',
    `SLOs from ${r.slo.source}`,
    slo,
    '',
    r.ok ? 'PASS: every SLO held' : 'FAIL: at least one SLO broken',
  ].join('\n');
}
