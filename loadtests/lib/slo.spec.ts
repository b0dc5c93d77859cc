import { describe, expect, it } from 'vitest';
import { DEFAULT_SLO, evaluateSlo, FRESHNESS_METRIC, k6Thresholds, parseSlo } from './slo.ts';

const generated = JSON.stringify({
  http_req_duration: ['p(99)<200'],
  http_req_failed: ['rate<0.001'],
  freshness_ms: ['p(99)<800'],
  freshness_p99_ms: 800,
  slos: [
    { id: 'api-availability', objective: 0.995, window: '28d' },
    { id: 'api-latency', objective: 0.99, window: '28d', threshold_ms: 250 },
  ],
});

describe('parseSlo', () => {
  it('falls back to the defaults, and says so, when the file is missing', () => {
    const loaded = parseSlo(undefined);
    expect(loaded.slo).toEqual({ apiLatencyP99Ms: 250, errorRate: 0.005, freshnessP99Ms: 1000 });
    expect(loaded.usedDefaults).toBe(true);
    expect(loaded.source).toMatch(/defaults .*not found/);
  });

  it('reads the k6 thresholds of the generated file first', () => {
    const loaded = parseSlo(generated);
    expect(loaded.slo).toEqual({ apiLatencyP99Ms: 200, errorRate: 0.001, freshnessP99Ms: 800 });
    expect(loaded.usedDefaults).toBe(false);
  });

  it('reads the slos list when the k6 arrays are absent', () => {
    const loaded = parseSlo(
      JSON.stringify({
        slos: [
          { id: 'api-availability', objective: 0.999 },
          { id: 'api-latency', threshold_ms: 300 },
          { id: 'position-freshness', threshold_ms: 1500 },
        ],
      }),
    );
    expect(loaded.slo).toEqual({ apiLatencyP99Ms: 300, errorRate: 0.001, freshnessP99Ms: 1500 });
  });

  it('takes seconds as seconds and fills what is missing from the defaults', () => {
    const loaded = parseSlo(JSON.stringify({ freshness: { p99Seconds: 2 } }));
    expect(loaded.slo).toEqual({ ...DEFAULT_SLO, freshnessP99Ms: 2000 });
    expect(loaded.source).toMatch(/defaults for apiLatencyP99Ms, errorRate/);
  });

  it('survives a broken file', () => {
    expect(parseSlo('{nope').usedDefaults).toBe(true);
    expect(parseSlo('[1]').slo).toEqual(DEFAULT_SLO);
  });
});

describe('k6Thresholds', () => {
  it('turns the SLOs into k6 thresholds, freshness only when asked', () => {
    expect(k6Thresholds(DEFAULT_SLO)).toEqual({ http_req_duration: ['p(99)<250'], http_req_failed: ['rate<0.005'] });
    expect(k6Thresholds(DEFAULT_SLO, { freshness: true })[FRESHNESS_METRIC]).toEqual(['p(99)<1000']);
  });
});

describe('evaluateSlo', () => {
  const good = { apiRequests: 1000, apiErrors: 4, apiLatencyP99Ms: 120, positions: 5000, freshnessP99Ms: 400 };

  it('passes when every SLO holds', () => {
    expect(evaluateSlo(good, DEFAULT_SLO).ok).toBe(true);
  });

  it('fails on each broken SLO, naming it', () => {
    const slow = evaluateSlo({ ...good, apiLatencyP99Ms: 250 }, DEFAULT_SLO);
    expect(slow.ok).toBe(false);
    expect(slow.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['api latency p99']);
    expect(evaluateSlo({ ...good, apiErrors: 5 }, DEFAULT_SLO).checks.find((c) => !c.ok)?.name).toBe('api error rate');
    expect(evaluateSlo({ ...good, freshnessP99Ms: 1200 }, DEFAULT_SLO).checks.find((c) => !c.ok)?.name).toBe('freshness p99');
  });

  it('never passes a run that measured nothing', () => {
    const empty = evaluateSlo({ apiRequests: 0, apiErrors: 0, apiLatencyP99Ms: undefined, positions: 0, freshnessP99Ms: undefined }, DEFAULT_SLO);
    expect(empty.ok).toBe(false);
    expect(empty.checks.every((c) => !c.ok)).toBe(true);
  });
});
