// Positions of made-up trips, for the consumer's specs and integration tests: point `seq` of a trip, 500 ms apart.
import type { NewPosition } from '@fleetlab/contracts';

export const t0 = Date.parse('2026-11-25T10:00:00.000Z');

export function pos(tripId: string, seq: number, extra: Partial<NewPosition> = {}): NewPosition {
  return {
    routeId: 'r1',
    clientId: '',
    position: [-47.9 + seq / 1000, -15.8],
    finished: false,
    tripId,
    vehicleId: `v-${tripId}`,
    seq,
    ts: new Date(t0 + seq * 500).toISOString(),
    ...extra,
  };
}

/** Points `from` to `to` (inclusive) of a trip. */
export const range = (tripId: string, from: number, to: number, extra: Partial<NewPosition> = {}): NewPosition[] =>
  Array.from({ length: to - from + 1 }, (_, i) => pos(tripId, from + i, extra));
