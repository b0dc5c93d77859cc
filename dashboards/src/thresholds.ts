// Threshold values the load tests import (dashboards/generated/slo-thresholds.json): k6 threshold strings where a
// k6 built-in metric maps onto an SLI, plain numbers for the pipeline SLIs k6 can only observe through its own
// custom metrics (freshness measured on the socket, lag read from Prometheus).
import { SLOS, errorBudget, type Slo } from './slos';

function slo(id: string): Slo {
  const found = SLOS.find((s) => s.id === id);
  if (!found) throw new Error(`no SLO ${id}`);
  return found;
}

function thresholdSeconds(id: string): number {
  const s = slo(id).sli;
  if (s.kind !== 'latency') throw new Error(`${id} is not a latency SLI`);
  return s.thresholdSeconds;
}

/** p(N) for an objective: 0.99 → p(99), 0.995 → p(99.5). */
function percentile(objective: number): string {
  return `p(${Number((objective * 100).toPrecision(6))})`;
}

export function sloThresholds(): Record<string, unknown> {
  const latency = slo('api-latency');
  const freshness = slo('position-freshness');
  const persistence = slo('persistence-lag');
  const lag = slo('consumer-lag');
  const lagThreshold = lag.sli.kind === 'gauge-below' ? lag.sli.threshold : 0;
  return {
    $comment: 'Generated from dashboards/src/slos.ts by dashboards/src/generate.ts; do not edit.',
    // k6 built-in metrics.
    http_req_duration: [`${percentile(latency.objective)}<${thresholdSeconds('api-latency') * 1000}`],
    http_req_failed: [`rate<${errorBudget(slo('api-availability'))}`],
    // Custom metrics a load test records itself (milliseconds, as k6 trends are).
    freshness_ms: [`${percentile(freshness.objective)}<${thresholdSeconds('position-freshness') * 1000}`],
    freshness_p99_ms: thresholdSeconds('position-freshness') * 1000,
    persistence_lag_ms: [`${percentile(persistence.objective)}<${thresholdSeconds('persistence-lag') * 1000}`],
    persistence_lag_p99_ms: thresholdSeconds('persistence-lag') * 1000,
    consumer_lag_max_messages: lagThreshold,
    slos: SLOS.map((s) => ({
      id: s.id,
      objective: s.objective,
      window: s.window,
      ...(s.sli.kind === 'latency' ? { threshold_ms: s.sli.thresholdSeconds * 1000 } : {}),
      ...(s.sli.kind === 'gauge-below' ? { threshold: s.sli.threshold } : {}),
    })),
  };
}
