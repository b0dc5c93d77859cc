import { describe, expect, it } from 'vitest';
import { NewDirection, NewPosition, parseMessage } from './messages';

const position = {
  routeId: '2',
  clientId: '',
  position: [-47.9, -15.8],
  finished: false,
  tripId: 't-1',
  vehicleId: 'v-1',
  seq: 0,
  ts: '2026-11-25T10:00:00.000Z',
};

describe('parseMessage', () => {
  it('accepts a valid position with the original fields and the added ones', () => {
    const result = parseMessage(NewPosition, Buffer.from(JSON.stringify(position)));
    expect(result).toEqual({ ok: true, value: position });
  });

  it('names invalid JSON', () => {
    const result = parseMessage(NewPosition, Buffer.from('{nope'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^not JSON/);
  });

  it('names a missing and a mistyped field', () => {
    const { seq: _seq, ...missing } = position;
    const result = parseMessage(NewPosition, JSON.stringify({ ...missing, finished: 'yes' }));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('seq');
      expect(result.reason).toContain('finished');
    }
  });

  it('rejects a latitude out of range, naming the index', () => {
    const result = parseMessage(NewPosition, JSON.stringify({ ...position, position: [-47.9, 95] }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('position.1');
  });

  it('rejects an empty value', () => {
    expect(parseMessage(NewDirection, null)).toEqual({ ok: false, reason: 'empty message value' });
  });

  it('drops fields it does not know, so producers can add fields first', () => {
    const extra = { clientId: '', routeId: '1', tripId: 't', vehicleId: 'v', addedLater: 1 };
    expect(parseMessage(NewDirection, JSON.stringify(extra))).toEqual({
      ok: true,
      value: { clientId: '', routeId: '1', tripId: 't', vehicleId: 'v' },
    });
  });

  it('accepts a direction from a browser socket', () => {
    const direction = { clientId: 'sock-1', routeId: '1', tripId: 't', vehicleId: 'v' };
    expect(parseMessage(NewDirection, JSON.stringify(direction))).toEqual({ ok: true, value: direction });
  });
});
