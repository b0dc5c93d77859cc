import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { RATE, ts, base } from './panels';
import { SLOS } from '../slos';

/**
 * The k6 runs of the Kubernetes lab's Tilt buttons, from what k6's experimental-prometheus-rw output writes: trends
 * as gauges of p50/p95/p99 over the run so far (K6_PROMETHEUS_RW_TREND_STATS), times converted to seconds, rates as
 * `_rate` gauges, counters as `_total`. A percentile gauge cannot be aggregated across series, hence max by.
 */
export function k6(): dashboard.Dashboard {
  /** The k6 threshold of a latency SLO, as written in slo-thresholds.json: "p(99) < 250 ms". */
  const threshold = (id: string): string => {
    const slo = SLOS.find((s) => s.id === id)!;
    return slo.sli.kind === 'latency' ? `p(${slo.objective * 100}) < ${slo.sli.thresholdSeconds * 1000} ms` : '';
  };
  return base('fleetlab-k6', 'fleetlab / k6', 'Load runs of the k6 buttons in the Tilt UI (loadtests/scenarios), as k6 measured them from its pod: virtual users, requests, latency, freshness and checks.')
    .withRow(new dashboard.RowBuilder('Load'))
    .withPanel(ts({ title: 'Virtual users', description: 'Virtual users running, per load profile (k6_vus).', unit: 'short', width: 8, queries: [{ expr: 'sum by (profile) (k6_vus)', legend: '{{profile}}' }] }))
    .withPanel(ts({ title: 'Requests per second', description: 'HTTP requests k6 sent, per scenario and request name (k6_http_reqs_total).', unit: 'reqps', width: 8, queries: [{ expr: `sum by (scenario, name) (rate(k6_http_reqs_total[${RATE}]))`, legend: '{{scenario}} {{name}}' }] }))
    .withPanel(
      ts({
        title: 'Checks passing',
        description: 'Share of k6 checks that passed since the run started, per check (k6_checks_rate): a status or an acknowledgement the scenario expected.',
        unit: 'percentunit',
        width: 8,
        min: 0,
        max: 1,
        queries: [{ expr: 'min by (check) (k6_checks_rate)', legend: '{{check}}' }],
      }),
    )
    .withRow(new dashboard.RowBuilder('SLOs as k6 sees them'))
    .withPanel(
      ts({
        title: 'HTTP request duration',
        description: `p99 and p95 of the request duration per request name since the run started, measured by k6 (k6_http_req_duration_*), network and gateway included; the k6 threshold is ${threshold('api-latency')}.`,
        unit: 's',
        queries: [
          { expr: 'max by (name) (k6_http_req_duration_p99)', legend: 'p99 {{name}}' },
          { expr: 'max by (name) (k6_http_req_duration_p95)', legend: 'p95 {{name}}' },
        ],
      }),
    )
    .withPanel(
      ts({
        title: 'Position freshness (scenario 03)',
        description: `p99, p95 and p50 of a position's age when k6's socket.io client received it (the custom Trend freshness_ms; k6 writes times in seconds, whatever the name says); the k6 threshold is ${threshold('position-freshness')}.`,
        unit: 's',
        queries: [
          { expr: 'max(k6_freshness_ms_p99)', legend: 'p99' },
          { expr: 'max(k6_freshness_ms_p95)', legend: 'p95' },
          { expr: 'max(k6_freshness_ms_p50)', legend: 'p50' },
        ],
      }),
    )
    .build();
}
