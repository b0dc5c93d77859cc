import { describe, expect, it } from 'vitest';
import { mathRandomBytes, traceparent, TRACEPARENT_PATTERN } from './trace.ts';

describe('traceparent', () => {
  it('is a sampled W3C traceparent with random ids', () => {
    const a = traceparent(mathRandomBytes);
    const b = traceparent(mathRandomBytes);
    expect(a).toMatch(TRACEPARENT_PATTERN);
    expect(a.slice(3, 35)).not.toBe(b.slice(3, 35));
  });

  it('never produces the invalid all-zero ids', () => {
    expect(traceparent((n) => new Uint8Array(n))).toBe('00-00000000000000000000000000000001-0000000000000001-01');
  });
});
