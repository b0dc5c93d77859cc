// The SLO spec: the one source the recording rules, alerts, promtool tests, load-test thresholds and the SLO
// dashboard are generated from. Metric names and labels are those of docs/telemetry.md.

/** How the SLI is measured, which decides how its error ratio is written in PromQL. */
export type Sli =
  /** Errors and total are counters: error ratio = rate(errors) / rate(total). */
  | { kind: 'requests'; metric: string; selector: string; errorSelector: string }
  /** A latency histogram: error ratio = 1 - rate(bucket{le=threshold}) / rate(count). */
  | { kind: 'latency'; metric: string; selector: string; thresholdSeconds: number }
  /** A gauge sampled over time: error ratio = share of samples above the threshold (any series). */
  | { kind: 'gauge-below'; metric: string; selector: string; threshold: number };

export interface Slo {
  /** kebab-case id, the `slo` label of every rule and alert. */
  id: string;
  title: string;
  /** What a user feels when this SLO is missed. */
  description: string;
  /** The service the SLI is measured in (the `service` label on the alerts). */
  service: string;
  /** Share of good events (or good samples), e.g. 0.995. */
  objective: number;
  /** The SLO window, a Prometheus duration. */
  window: string;
  sli: Sli;
  /** Alert name stem: Fleetlab<alertStem>FastBurn (page) and Fleetlab<alertStem>SlowBurn (ticket). */
  alertStem: string;
  /** Dashboard that shows this SLI's detail, for annotations and runbooks. */
  dashboardUid: string;
}

/**
 * Histogram thresholds must be bucket boundaries (docs/telemetry.md: 0.005 … 1, 2.5, 5 …): a threshold between
 * two buckets cannot be read from a classic histogram. That is why persistence lag uses 2.5 s, not 2 s.
 */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

export const SLOS: readonly Slo[] = [
  {
    id: 'api-availability',
    title: 'API availability',
    description: 'Share of API requests answered without a 5xx.',
    service: 'api',
    objective: 0.995,
    window: '28d',
    sli: {
      kind: 'requests',
      metric: 'fleetlab_http_requests_total',
      selector: 'service="api"',
      errorSelector: 'service="api",status_code=~"5.."',
    },
    alertStem: 'ApiHighErrorRate',
    dashboardUid: 'fleetlab-red',
  },
  {
    id: 'api-latency',
    title: 'API latency',
    description: 'Share of API requests answered within 250 ms.',
    service: 'api',
    objective: 0.99,
    window: '28d',
    sli: { kind: 'latency', metric: 'fleetlab_http_request_duration_seconds', selector: 'service="api"', thresholdSeconds: 0.25 },
    alertStem: 'ApiHighLatency',
    dashboardUid: 'fleetlab-red',
  },
  {
    id: 'position-freshness',
    title: 'Position freshness',
    description: 'Share of positions emitted to a browser within 1 s of their event time.',
    service: 'api',
    objective: 0.99,
    window: '28d',
    sli: { kind: 'latency', metric: 'fleetlab_position_freshness_seconds', selector: 'service="api"', thresholdSeconds: 1 },
    alertStem: 'PositionsStale',
    dashboardUid: 'fleetlab-overview',
  },
  {
    id: 'persistence-lag',
    title: 'Persistence lag',
    description: 'Share of positions stored in MongoDB within 2.5 s of their event time.',
    service: 'consumer',
    objective: 0.99,
    window: '28d',
    sli: { kind: 'latency', metric: 'fleetlab_persistence_lag_seconds', selector: 'service="consumer"', thresholdSeconds: 2.5 },
    alertStem: 'PersistenceLagging',
    dashboardUid: 'fleetlab-kafka',
  },
  {
    id: 'consumer-lag',
    title: 'Consumer lag',
    description: 'Share of consumer-lag samples (every group, topic and partition) at or below 1000 messages.',
    service: 'consumer',
    objective: 0.99,
    window: '28d',
    sli: { kind: 'gauge-below', metric: 'fleetlab_kafka_consumer_lag_messages', selector: '', threshold: 1000 },
    alertStem: 'KafkaConsumerLagging',
    dashboardUid: 'fleetlab-kafka',
  },
];

/** Error budget as a ratio: 1 - objective, written so PromQL and humans read the same number. */
export function errorBudget(slo: Slo): number {
  return Number((1 - slo.objective).toPrecision(6));
}

/** A label matcher for a histogram bucket. Prometheus 3 normalises `le="1"` to `le="1.0"` on ingestion; 2.x keeps
 * what the exposition said (prom-client writes `1`), so whole numbers match both spellings. */
export function leMatcher(seconds: number): string {
  return Number.isInteger(seconds) ? `le=~"${seconds}(\\\\.0)?"` : `le="${seconds}"`;
}

function sel(...parts: string[]): string {
  const inner = parts.filter((p) => p !== '').join(',');
  return inner === '' ? '' : `{${inner}}`;
}

/** The name of the per-sample bool series the gauge SLIs are averaged from (a recording rule). */
export function gaugeBadRecord(slo: Slo): string {
  return `fleetlab_slo:${slo.id.replace(/-/g, '_')}_over_threshold:bool`;
}

/**
 * PromQL for the SLI's error ratio over `range` (a duration, or a Grafana variable such as $__rate_interval).
 * `gaugeSource` chooses, for gauge SLIs, between the recording rule (rules) and an inline subquery (dashboards,
 * which must work where the rules aren't loaded).
 */
export function errorRatioExpr(slo: Slo, range: string, gaugeSource: 'record' | 'subquery' = 'record'): string {
  const s = slo.sli;
  switch (s.kind) {
    case 'requests':
      // prom-client exposes a label set only once it is counted: with no 5xx yet the numerator is empty, and an empty
      // ratio would read as "no data" rather than "no errors".
      return `(sum(rate(${s.metric}${sel(s.errorSelector)}[${range}])) or vector(0)) / sum(rate(${s.metric}${sel(s.selector)}[${range}]))`;
    case 'latency':
      return (
        `1 - sum(rate(${s.metric}_bucket${sel(s.selector, leMatcher(s.thresholdSeconds))}[${range}]))` +
        ` / sum(rate(${s.metric}_count${sel(s.selector)}[${range}]))`
      );
    case 'gauge-below': {
      if (gaugeSource === 'record') {
        const r = gaugeBadRecord(slo);
        return `sum(sum_over_time(${r}[${range}])) / sum(count_over_time(${r}[${range}]))`;
      }
      const bad = `(${s.metric}${sel(s.selector)} > bool ${s.threshold})`;
      return `sum(sum_over_time(${bad}[${range}:])) / sum(count_over_time(${bad}[${range}:]))`;
    }
  }
}

/** For gauge SLIs: the bool series, 1 when a sample is bad. */
export function gaugeBadExpr(slo: Slo): string | undefined {
  const s = slo.sli;
  if (s.kind !== 'gauge-below') return undefined;
  return `${s.metric}${sel(s.selector)} > bool ${s.threshold}`;
}

export function alertNames(slo: Slo): { page: string; ticket: string } {
  return { page: `Fleetlab${slo.alertStem}FastBurn`, ticket: `Fleetlab${slo.alertStem}SlowBurn` };
}

/** Objective as a percentage string, e.g. 99.5%. */
export function percent(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))}%`;
}
