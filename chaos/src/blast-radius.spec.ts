import { describe, expect, it } from 'vitest';
import { selectTargets } from './blast-radius';

const pods = ['api-0', 'api-1', 'api-2', 'api-3'];
const seq = (...values: number[]): (() => number) => () => values.shift() ?? 0;

describe('blast radius', () => {
  it('all, one, percent (rounded up, at least one) and match', () => {
    expect(selectTargets({ components: ['api'], mode: 'all' }, pods)).toEqual(pods);
    expect(selectTargets({ components: ['api'], mode: 'one' }, pods, seq(0.6))).toEqual(['api-2']);
    expect(selectTargets({ components: ['api'], mode: 'percent', percent: 50 }, pods)).toHaveLength(2);
    expect(selectTargets({ components: ['api'], mode: 'percent', percent: 1 }, pods)).toHaveLength(1);
    expect(selectTargets({ components: ['api'], mode: 'percent', percent: 51 }, pods)).toHaveLength(3);
    expect(selectTargets({ components: ['api'], mode: 'match', match: '-[02]$' }, pods)).toEqual(['api-0', 'api-2']);
  });

  it('never picks the same one twice, and nothing from nothing', () => {
    const picked = selectTargets({ components: ['api'], mode: 'percent', percent: 100 }, pods, Math.random);
    expect(new Set(picked).size).toBe(4);
    expect(selectTargets({ components: ['api'], mode: 'one' }, [])).toEqual([]);
  });
});
