import type { TripStatus } from './routes';

/** What is known of a trip when its status is decided. */
export interface TripStatusFacts {
  /** Positions of the trip have arrived (the consumer, as it stores them). */
  positions?: boolean;
  /** Its last position, marked finished, has arrived. */
  finished?: boolean;
  /**
   * Its fleet is cancelled. A fleet cancel writes only the fleet document (FerretDB rewrites row by row, so not
   * its thousands of trips): every reader of a fleet trip passes this.
   */
  fleetCancelled?: boolean;
}

/** The statuses nothing moves a trip out of. */
export const FINAL_TRIP_STATUSES: readonly TripStatus[] = ['finished', 'cancelled'];

/**
 * The status of a trip, decided in one place for the consumer that stores it and the api that reports it. Forward
 * only: `finished` and `cancelled` stay (`cancelled` is the api's write); otherwise a cancelled fleet makes it
 * `cancelled`, its finished position `finished`, any position `running`; else it stays as stored, `requested` if
 * never stored.
 */
export function tripStatus(stored: TripStatus | undefined, facts: TripStatusFacts = {}): TripStatus {
  if (stored !== undefined && FINAL_TRIP_STATUSES.includes(stored)) return stored;
  if (facts.fleetCancelled) return 'cancelled';
  if (facts.finished) return 'finished';
  if (facts.positions) return 'running';
  return stored ?? 'requested';
}
