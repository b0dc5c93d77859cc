// The original Code Delivery payloads, byte for byte as its backend and Go simulator put them on the wire.
import { describe, expect, it } from 'vitest';
import {
  DeliverablePosition,
  NewDirectionWire,
  ORIGINAL_POSITION_NOT_STORED,
  StorablePosition,
  completeDirection,
  derivedTripId,
  parseMessage,
} from './messages';

/** What the original NestJS backend produces to `route.new-direction` when a browser asks for a route. */
const ORIGINAL_DIRECTION = '{"clientId":"x","routeId":"1"}';
/** What the original Go simulator produces to `route.new-position` (encoding/json of its struct, no key). */
const ORIGINAL_POSITION = '{"routeId":"1","clientId":"x","position":[-47.8825,-15.7942],"finished":false}';
const ORIGINAL_LAST_POSITION = '{"routeId":"1","clientId":"x","position":[-47.8822,-15.7945],"finished":true}';

const origin = { partition: 2, offset: '41', timestamp: 1_764_064_800_000 };

describe('an original direction', () => {
  it('parses and gets a trip and a vehicle derived from where the record sits', () => {
    const parsed = parseMessage(NewDirectionWire, Buffer.from(ORIGINAL_DIRECTION));
    expect(parsed).toEqual({ ok: true, value: { clientId: 'x', routeId: '1' } });
    if (!parsed.ok) return;
    expect(completeDirection(parsed.value, origin)).toEqual({
      clientId: 'x',
      routeId: '1',
      tripId: 'cd-2-41-1764064800000',
      vehicleId: 'vehicle-cd-2-41-1764064800000',
    });
  });

  it('maps a redelivery of the same record to the same trip, and another record to another trip', () => {
    const value = { clientId: 'x', routeId: '1' };
    expect(completeDirection(value, { ...origin }).tripId).toBe(completeDirection(value, origin).tripId);
    expect(completeDirection(value, { ...origin, offset: '42' }).tripId).not.toBe(derivedTripId(origin));
    // A recreated topic starts its offsets again at 0: the record's timestamp keeps the trips apart.
    expect(derivedTripId({ ...origin, timestamp: origin.timestamp + 1 })).not.toBe(derivedTripId(origin));
  });

  it('keeps the ids a fleetlab direction carries', () => {
    const value = { clientId: '', routeId: '1', tripId: 't-1', vehicleId: 'v-1' };
    expect(completeDirection(value, origin)).toEqual(value);
    expect(completeDirection({ clientId: '', routeId: '1', tripId: 't-1' }, origin).vehicleId).toBe('vehicle-t-1');
  });

  it('still refuses what the original did not send either', () => {
    const parsed = parseMessage(NewDirectionWire, '{"clientId":"x"}');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain('routeId');
  });
});

describe('an original position', () => {
  it('is delivered to browsers as it came', () => {
    expect(parseMessage(DeliverablePosition, Buffer.from(ORIGINAL_POSITION))).toEqual({
      ok: true,
      value: JSON.parse(ORIGINAL_POSITION),
    });
    expect(parseMessage(DeliverablePosition, ORIGINAL_LAST_POSITION)).toEqual({ ok: true, value: JSON.parse(ORIGINAL_LAST_POSITION) });
  });

  it('is refused by the store with a reason that says why', () => {
    expect(parseMessage(StorablePosition, Buffer.from(ORIGINAL_POSITION))).toEqual({
      ok: false,
      reason: `(root): ${ORIGINAL_POSITION_NOT_STORED}`,
    });
  });

  it('in a broken original form is refused naming the field, by both', () => {
    const broken = '{"routeId":"1","clientId":"x","position":[-47.8825],"finished":false}';
    for (const schema of [DeliverablePosition, StorablePosition]) {
      const parsed = parseMessage(schema, broken);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toMatch(/^position/);
    }
  });

  it('with only some of the added fields is a broken fleetlab position, named field by field', () => {
    const partial = JSON.stringify({ ...JSON.parse(ORIGINAL_POSITION), tripId: 't-1' });
    for (const schema of [DeliverablePosition, StorablePosition]) {
      const parsed = parseMessage(schema, partial);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) {
        expect(parsed.reason).toContain('vehicleId');
        expect(parsed.reason).toContain('seq');
        expect(parsed.reason).toContain('ts');
      }
    }
  });

  it('is not confused with garbage: a JSON array or number is named as such', () => {
    for (const value of ['[1,2]', '42', '"text"', 'null']) {
      const parsed = parseMessage(StorablePosition, value);
      expect(parsed.ok, value).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toMatch(/\(root\): Expected object/);
    }
  });
});

describe('a fleetlab position', () => {
  const full = {
    routeId: '1', clientId: 'x', position: [-47.8825, -15.7942], finished: false,
    tripId: 't-1', vehicleId: 'v-1', seq: 0, ts: '2026-11-25T10:00:00.000Z',
  };
  it('is both stored and delivered, with its added fields', () => {
    expect(parseMessage(StorablePosition, JSON.stringify(full))).toEqual({ ok: true, value: full });
    expect(parseMessage(DeliverablePosition, JSON.stringify(full))).toEqual({ ok: true, value: full });
  });
});
