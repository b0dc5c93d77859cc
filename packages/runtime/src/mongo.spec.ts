import { describe, expect, it } from 'vitest';
import { chunks, MAX_WRITE_STATEMENTS } from './mongo';

describe('chunks', () => {
  it('splits into consecutive chunks no larger than the limit', () => {
    const items = Array.from({ length: 2 * MAX_WRITE_STATEMENTS + 3 }, (_, i) => i);
    const parts = chunks(items);
    expect(parts.map((p) => p.length)).toEqual([MAX_WRITE_STATEMENTS, MAX_WRITE_STATEMENTS, 3]);
    expect(parts.flat()).toEqual(items);
  });

  it('returns no chunk for no items', () => {
    expect(chunks([], 10)).toEqual([]);
  });
});
