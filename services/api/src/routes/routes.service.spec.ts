import { describe, expect, it } from 'vitest';
import { withStored, type RouteSummary } from './routes.service';

const summary = (id: string, pointCount = 2): RouteSummary => ({
  id,
  title: id,
  startPosition: [0, 0],
  endPosition: [1, 1],
  pointCount,
  source: 'user',
});

describe('withStored', () => {
  it('adds what is missing, in id order, keeping what the list read', () => {
    const read = [summary('1'), summary('3', 9)];
    const merged = withStored(read, [summary('2'), summary('3', 5), summary('gen-1-0')]);
    expect(merged.map((s) => s.id)).toEqual(['1', '2', '3', 'gen-1-0']);
    expect(merged.find((s) => s.id === '3')?.pointCount).toBe(9);
    expect(read.map((s) => s.id)).toEqual(['1', '3']); // not changed in place
  });

  it('sorts as MongoDB sorts string ids, by code unit', () => {
    expect(withStored([], [summary('b'), summary('B'), summary('a'), summary('10'), summary('9')]).map((s) => s.id)).toEqual([
      '10',
      '9',
      'B',
      'a',
      'b',
    ]);
  });
});
