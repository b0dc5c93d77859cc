import { describe, expect, it } from 'vitest';
import { bestRate, optionReader, peakRate, percentile, sumSeries } from './bench-common';

describe('bench helpers', () => {
  it('sums every series of a metric and nothing of a metric whose name only starts the same', () => {
    const text = [
      '# HELP fleetlab_x_total x',
      'fleetlab_x_total{partition="0"} 10',
      'fleetlab_x_total{partition="1"} 5.5',
      'fleetlab_x_total_created 99',
      'fleetlab_xy 1000',
    ].join('\n');
    expect(sumSeries(text, 'fleetlab_x_total')).toBe(15.5);
    expect(sumSeries(text, 'fleetlab_missing')).toBe(0);
  });

  it('takes the busiest window, not the average over a ramp', () => {
    // 0–10 s: 100/s; 10–20 s: 1,000/s; 20–25 s: nothing.
    const samples = [
      { t: 0, n: 0 },
      { t: 5_000, n: 500 },
      { t: 10_000, n: 1_000 },
      { t: 15_000, n: 6_000 },
      { t: 20_000, n: 11_000 },
      { t: 25_000, n: 11_000 },
    ];
    expect(bestRate(samples, 'n')).toBe(1_000);
    expect(peakRate([{ t: 0, n: 0 }, { t: 10_000, n: 5 }], 'n')).toBe(0.5);
    // Shorter than one window: the whole run.
    expect(bestRate(samples.slice(0, 3), 'n')).toBe(100);
    expect(bestRate(samples.slice(0, 1), 'n')).toBe(0);
  });

  it('percentiles index the sorted samples, NaN for none', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(51);
    expect(percentile(sorted, 99)).toBe(100);
    expect(percentile([], 99)).toBeNaN();
  });

  it('reads --name value options and refuses a count that is not a positive integer', () => {
    const options = optionReader(['--vehicles', '200', '--telemetry', 'off', '--points', '0']);
    expect(options.int('vehicles', 1)).toBe(200);
    expect(options.int('pace-ms', 200)).toBe(200);
    expect(options.value('telemetry', 'on')).toBe('off');
    expect(() => options.int('points', 30)).toThrow('--points must be a positive integer');
  });
});
