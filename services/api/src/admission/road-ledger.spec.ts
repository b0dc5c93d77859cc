import { describe, expect, it } from 'vitest';
import { AdmissionException, ROAD_GRACE_MS, RoadLedger } from './road-ledger';

describe('RoadLedger', () => {
  it('admits up to the cap, then refuses with a 429 that names the cap and when to retry', () => {
    let now = 0;
    const ledger = new RoadLedger(100, () => now);
    ledger.admit(60, 10_000);
    ledger.admit(40, 20_000);
    expect(ledger.onRoad()).toBe(100);
    let refused: unknown;
    try {
      ledger.admit(10, 1000);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AdmissionException);
    const { refusal } = refused as AdmissionException;
    expect((refused as AdmissionException).getStatus()).toBe(429);
    expect(refusal.cap).toEqual({ name: 'API_MAX_VEHICLES_ON_ROAD', limit: 100, current: 100, requested: 10 });
    // The 60 due off first free enough: at 10 s plus the grace.
    expect(refusal.retryAfterSeconds).toBe((10_000 + ROAD_GRACE_MS) / 1000);
    expect(refusal.message).toContain('API_MAX_VEHICLES_ON_ROAD');
    now = 10_000 + ROAD_GRACE_MS + 1;
    expect(ledger.onRoad()).toBe(40);
    ledger.admit(10, 1000);
  });

  it('refuses a single request larger than the cap', () => {
    const ledger = new RoadLedger(5);
    expect(() => ledger.admit(6, 1000)).toThrow(AdmissionException);
    expect(ledger.onRoad()).toBe(0);
  });

  it('frees a cancelled fleet at once', () => {
    const ledger = new RoadLedger(10);
    ledger.admit(10, 60_000, 'f1');
    expect(() => ledger.admit(1, 1000)).toThrow(AdmissionException);
    ledger.release('f1');
    expect(ledger.onRoad()).toBe(0);
    ledger.admit(1, 1000);
  });

  it('frees a cancelled single trip at once, and one vehicle of a fleet for one cancelled trip of it', () => {
    const ledger = new RoadLedger(10);
    ledger.admit(1, 60_000, 'trip-a');
    ledger.admit(9, 60_000, 'f1');
    expect(() => ledger.admit(1, 1000)).toThrow(AdmissionException);
    ledger.release('trip-a');
    expect(ledger.onRoad()).toBe(9);
    ledger.release('f1', 1);
    ledger.release('f1', 1);
    expect(ledger.onRoad()).toBe(7);
    ledger.release('f1', 100);
    expect(ledger.onRoad()).toBe(0);
    ledger.release('unknown', 1);
    expect(ledger.onRoad()).toBe(0);
  });
});
