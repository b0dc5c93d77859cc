import { describe, expect, it } from 'vitest';
import { alreadyStored, chunks, DUPLICATE_KEY, MAX_WRITE_STATEMENTS, pingWithin } from './mongo';

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

describe('alreadyStored', () => {
  it('names the documents an insert found stored when duplicates are all that failed', () => {
    expect(alreadyStored({ writeErrors: [{ code: DUPLICATE_KEY, index: 0 }, { code: DUPLICATE_KEY, index: 3 }] }, 5)).toEqual(new Set([0, 3]));
    expect(alreadyStored({ writeErrors: { code: DUPLICATE_KEY, index: 2 } }, 5)).toEqual(new Set([2]));
    expect(alreadyStored({ code: DUPLICATE_KEY }, 1)).toEqual(new Set([0]));
  });

  it('is undefined for any other failure, so the caller throws it', () => {
    expect(alreadyStored({ writeErrors: [{ code: DUPLICATE_KEY, index: 0 }, { code: 2, index: 1 }] }, 2)).toBeUndefined();
    expect(alreadyStored({ writeErrors: [{ code: DUPLICATE_KEY, index: 0 }], writeConcernError: { code: 64 } }, 1)).toBeUndefined();
    // A single-error duplicate of a many-document insert does not say which document it was.
    expect(alreadyStored({ code: DUPLICATE_KEY }, 3)).toBeUndefined();
    expect(alreadyStored(new Error('socket closed'), 1)).toBeUndefined();
    expect(alreadyStored(undefined, 1)).toBeUndefined();
  });
});

describe('pingWithin', () => {
  it('resolves when the database answers, and names the wait when it does not', async () => {
    await expect(pingWithin({ command: async () => ({ ok: 1 }) }, 1_000)).resolves.toBeUndefined();
    await expect(pingWithin({ command: () => new Promise(() => undefined) }, 20)).rejects.toThrow('no answer to ping within 20 ms');
    await expect(pingWithin({ command: async () => Promise.reject(new Error('auth failed')) }, 1_000)).rejects.toThrow('auth failed');
  });
});
