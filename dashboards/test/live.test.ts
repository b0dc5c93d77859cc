// Against the real lab (the root `integration` project's lab, started with ruleFiles: [dashboards/prometheus/rules-lab.yml]):
// after a short fleet watched over socket.io, every dashboard query returns data from the lab's Prometheus, and the
// lab has loaded every alert of rules-lab.yml.
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
// The integration project's global setup declares (and provides) `inject('lab')`.
import type {} from '../../platform/local/test/global-setup';
import { waitFor, waitForFleetFinished } from '../../platform/local/test/helpers';
import { dashboardQueries } from '../src/grafana';
import { DASHBOARD_FILES, readDashboard, rules } from './lib';

const lab = inject('lab');

/** Grafana's variables, as a panel would send them for the api service. */
function substitute(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '5m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$service', 'api')
    .replaceAll('$workload', 'api');
}

async function query(expr: string): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> {
  const response = await fetch(`${lab.prometheusUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  return (await response.json()) as { status: string; error?: string; data?: { result: unknown[] } };
}

interface Target {
  scrapeUrl: string;
  health: string;
  lastScrape: string;
  scrapeInterval: string;
}

/** Seconds of a Prometheus duration such as `5s` or `1m`. */
function seconds(duration: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(duration);
  if (!m) throw new Error(`not a Prometheus duration: ${duration}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

/** Waits until Prometheus has scraped every active target twice since `since`. */
async function twoScrapesSince(since: number): Promise<void> {
  await waitFor(
    `Prometheus to scrape every target twice after ${new Date(since).toISOString()}`,
    async () => {
      const { data } = (await fetch(`${lab.prometheusUrl}/api/v1/targets?state=active`).then((r) => r.json())) as {
        data: { activeTargets: Target[] };
      };
      // The last scrape came one interval or more after `since`, so the one before it came after `since` too.
      const done = data.activeTargets.every(
        (t) => Date.parse(t.lastScrape) - seconds(t.scrapeInterval) * 1000 > since,
      );
      return data.activeTargets.length > 0 && done ? true : undefined;
    },
    60_000,
    500,
  );
}

describe('dashboards and rules against the lab', () => {
  let socket: Socket;

  beforeAll(async () => {
    socket = io(lab.apiUrl, { transports: ['websocket'] });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await new Promise<void>((resolve) => socket.emit('subscribe-fleet', {}, () => resolve()));
    const response = await fetch(`${lab.apiUrl}/fleets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vehicles: 30, generate: { seed: 9 }, paceMs: 50 }),
    });
    expect(response.status).toBe(202);
    const { fleetId } = (await response.json()) as { fleetId: string };
    const progress = await waitForFleetFinished(fleetId, 240_000);
    expect(progress.trips.finished).toBe(30);
    // Two scrapes of every service after the fleet, so every rate over 1m sees its last positions.
    await twoScrapesSince(Date.now());
  }, 300_000);

  afterAll(() => {
    socket?.close();
  });

  const queries = DASHBOARD_FILES.flatMap((file) => dashboardQueries(readDashboard(file)).map((q) => ({ file, ...q, expr: substitute(q.expr) })));

  it.each(queries)('$file / $panel: $expr', async ({ expr }) => {
    const result = await query(expr);
    expect(result.status, result.error).toBe('success');
    // The mesh's metrics and k6's remote writes exist only in the Kubernetes lab: here they must parse, not return data.
    if (!/\b(istio|k6)_/.test(expr)) expect(result.data?.result.length, 'an empty panel').toBeGreaterThan(0);
  });

  it('has loaded every alert of rules-lab.yml', async () => {
    const expected = rules('prometheus/rules-lab.yml').flatMap((r) => (r.alert ? [r.alert] : []));
    const response = (await fetch(`${lab.prometheusUrl}/api/v1/rules?type=alert`).then((r) => r.json())) as {
      data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
    };
    const loaded = response.data.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name)).toEqual(expect.arrayContaining(expected));
    for (const r of loaded) expect(r.health, `${r.name}: ${r.lastError ?? ''}`).not.toBe('err');
  });
});
