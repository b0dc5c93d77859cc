import { describe, expect, it } from 'vitest';
import { SLOS, alertNames, type Slo } from '../../lib/slo-spec';
import type { PrometheusAlert } from '../../lib/prometheus-client';
import { BUDGET_WINDOW, FAST_BURN, budgetFill, budgetRemaining, budgetText, burnRate, formatRatio, sloQueries, sloView } from './slo-math';

const availability = SLOS.find((s) => s.id === 'api-availability')!; // 99.5 %: budget 0.005
const consumerLag = SLOS.find((s) => s.sli.kind === 'gauge-below')!;
const alert = (slo: Slo, state: string, which: 'page' | 'ticket' = 'page'): PrometheusAlert => ({
  labels: { alertname: alertNames(slo)[which], slo: slo.id, severity: which },
  annotations: {},
  state,
});

describe('SLO maths', () => {
  it('reads the objectives from the one SLO spec', () => {
    expect(SLOS.map((s) => s.id)).toContain('api-availability');
    expect(availability.objective).toBe(0.995);
  });

  it('burn rate: the error ratio over the budget', () => {
    expect(burnRate(0.005, availability)).toBeCloseTo(1);
    expect(burnRate(0.3, availability)).toBeCloseTo(60);
    expect(burnRate(0, availability)).toBe(0);
    expect(burnRate(null, availability)).toBeNull();
  });

  it('budget left: untouched at no errors, spent at the budget, overspent beyond it', () => {
    expect(budgetRemaining(0, availability)).toBe(1);
    expect(budgetRemaining(0.0025, availability)).toBeCloseTo(0.5);
    expect(budgetRemaining(0.005, availability)).toBeCloseTo(0);
    expect(budgetRemaining(0.01, availability)).toBeCloseTo(-1);
    expect(budgetFill(-1)).toBe(0);
    expect(budgetText(0.724)).toBe('budget 72 % left');
    expect(budgetText(-1)).toBe('budget spent 2.0×');
    expect(budgetText(null)).toBe('budget –');
    expect(budgetFill(0.25)).toBe(0.25);
  });

  it('status: no data without traffic, ok, burning, fast burn, exhausted, and alerting above all', () => {
    expect(sloView(availability, null, null, []).status).toBe('no-data');
    expect(sloView(availability, 0, 0, []).status).toBe('ok');
    expect(sloView(availability, 0.01, 0.001, []).status).toBe('burning');
    expect(sloView(availability, 0.005 * FAST_BURN, 0.001, []).status).toBe('fast-burn');
    expect(sloView(availability, 0, 0.006, []).status).toBe('exhausted');
    const view = sloView(availability, 0.3, 0.02, [alert(availability, 'firing'), alert(availability, 'pending', 'ticket'), alert(consumerLag, 'firing')]);
    expect(view.status).toBe('alerting');
    expect(view.firing.map((a) => a.labels.alertname)).toEqual(['FleetlabApiHighErrorRateFastBurn']);
    expect(view.sli).toBeCloseTo(0.7);
  });

  it('a pending alert is not yet alerting', () => {
    expect(sloView(availability, 0, 0, [alert(availability, 'pending')]).status).toBe('ok');
  });

  it('queries Prometheus with the spec\'s own PromQL, gauge SLIs without recording rules', () => {
    const q = sloQueries(availability);
    expect(q.short).toContain('fleetlab_http_requests_total{service="api",status_code=~"5.."}[1m]');
    expect(q.budget).toContain(`[${BUDGET_WINDOW}]`);
    expect(sloQueries(consumerLag).short).toContain('fleetlab_kafka_consumer_lag_messages > bool 1000');
    expect(sloQueries(consumerLag).short).not.toContain('fleetlab_slo:');
  });

  it('formats ratios as percentages, a missing one as a dash', () => {
    expect(formatRatio(0.99421)).toBe('99.42 %');
    expect(formatRatio(null)).toBe('–');
  });
});
