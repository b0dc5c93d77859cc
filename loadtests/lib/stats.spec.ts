import { describe, expect, it } from 'vitest';
import { MsHistogram, percentile } from './stats.ts';

describe('percentile', () => {
  it('is nearest-rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });
});

describe('MsHistogram', () => {
  it('agrees with the exact percentile to the millisecond', () => {
    const h = new MsHistogram();
    const values: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const v = Math.round(((i * 7919) % 1000) * 1.3);
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const p of [50, 95, 99]) expect(h.percentile(p)).toBe(percentile(values, p));
    expect(h.summary()).toMatchObject({ count: 10_000, min: values[0], max: values.at(-1) });
  });

  it('clamps negative samples to 0 and reports overflow as the max seen', () => {
    const h = new MsHistogram(100);
    h.record(-5);
    h.record(50);
    h.record(5000);
    expect(h.percentile(1)).toBe(0);
    expect(h.percentile(99)).toBe(5000);
  });

  it('merges', () => {
    const a = new MsHistogram();
    const b = new MsHistogram();
    a.record(10);
    b.record(30);
    a.merge(b);
    expect(a.summary()).toMatchObject({ count: 2, min: 10, max: 30, mean: 20 });
  });

  it('has no percentiles when empty', () => {
    expect(new MsHistogram().summary()).toMatchObject({ count: 0, p50: undefined, p99: undefined });
  });
});
