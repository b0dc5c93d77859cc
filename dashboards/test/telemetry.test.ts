// Declare before use: every metric a dashboard or rule reads is in docs/telemetry.md (istio_* aside: the mesh's
// own metrics; and the recording rules defined here).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardQueries } from '../src/grafana';
import { DASHBOARD_FILES, REPO, RULE_FILES, metricNames, readDashboard, rules } from './lib';

const telemetry = readFileSync(join(REPO, 'docs', 'telemetry.md'), 'utf8');
/** Rows of the metrics table: | `name` | type | … */
const documented = new Set([...telemetry.matchAll(/^\| `([a-z][a-z0-9_:]*)` \|/gm)].map((m) => m[1]!));
/** The runtime families the doc names in prose (`process_*`, `nodejs_*`), from prom-client's default metrics. */
const documentedPrefixes = [...telemetry.matchAll(/`([a-z]+_)\*`/g)].map((m) => m[1]!);

function isDocumented(name: string, records: Set<string>): boolean {
  if (name.startsWith('istio_') || records.has(name)) return true;
  // A histogram is documented by its family name.
  const family = name.replace(/_(bucket|count|sum)$/, '');
  return documented.has(name) || documented.has(family) || documentedPrefixes.some((p) => name.startsWith(p));
}

describe('metrics used are documented in docs/telemetry.md', () => {
  const records = new Set(RULE_FILES.flatMap((f) => rules(f).flatMap((r) => (r.record ? [r.record] : []))));

  it('parses the metrics table', () => {
    expect(documented.size).toBeGreaterThan(20);
    expect(documented).toContain('fleetlab_http_requests_total');
    expect(documentedPrefixes).toEqual(expect.arrayContaining(['process_', 'nodejs_']));
  });

  it.each(RULE_FILES)('%s', (file) => {
    const unknown = rules(file).flatMap((r) => metricNames(r.expr)).filter((n) => !isDocumented(n, records));
    expect([...new Set(unknown)]).toEqual([]);
  });

  it.each(DASHBOARD_FILES)('%s', (file) => {
    const queries = dashboardQueries(readDashboard(file));
    expect(queries.length).toBeGreaterThan(0);
    const unknown = queries.flatMap((q) => metricNames(q.expr).filter((n) => !isDocumented(n, records)).map((n) => `${q.panel}: ${n}`));
    expect(unknown).toEqual([]);
  });

  it('finds metric names in PromQL', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le) (rate(a_seconds_bucket{x="y"}[$__rate_interval]))) / on() b')).toEqual(['a_seconds_bucket', 'b']);
  });
});
