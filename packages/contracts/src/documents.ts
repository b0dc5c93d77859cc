/**
 * The MongoDB documents more than one service reads or writes, declared once: the api inserts trips and reads
 * positions, the consumer stores positions and moves trips forward, and both keep the read models
 * (docs/architecture.md, "Read models").
 */
import type { LngLat } from './messages';
import type { TripStatus } from './routes';

export const DocumentCollections = { trips: 'trips', tripPositions: 'trip_positions' } as const;

/**
 * `trips`: the api inserts it `requested` (every field but the consumer's) and may mark it `cancelled`; the consumer
 * moves it forward (`startedAt`, `finishedAt`, `last*`, `count`, `status`).
 */
export interface TripDocument {
  _id: string;
  routeId: string;
  vehicleId: string;
  clientId: string;
  fleetId?: string;
  status: TripStatus;
  requestedAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  cancelledAt?: Date;
  lastPosition?: LngLat;
  lastSeq?: number;
  /** A Date as the consumer writes it; older documents may hold the event's ISO string. */
  lastTs?: Date | string;
  count: number;
  total: number;
  paceMs: number;
  /** Where the trip is listed in `trip_index` (retention takes it out). */
  indexEntries?: Array<{ key: string; slot: number; trips: number }>;
}

/**
 * A `trips` document as the consumer may find it: a trip produced straight to Kafka, without the api, is created by
 * the consumer with only what its events carry.
 */
export type PartialTripDocument = Pick<TripDocument, '_id'> & Partial<Omit<TripDocument, '_id'>>;

/** `trip_positions`: one stored point of a trip; `_id` is `<tripId>:<seq>`, so storing it twice is a duplicate key. */
export interface TripPositionDocument {
  _id: string;
  tripId: string;
  seq: number;
  position: LngLat;
  ts: Date;
  routeId: string;
  vehicleId: string;
  storedAt: Date;
}

/** `fleet_progress`: per fleet, per block of vehicles, set-once flags by slot (FLEET_PROGRESS_FLAGS). */
export interface FleetProgressDocument {
  _id: string;
  running?: Record<string, number>;
  finished?: Record<string, number>;
  cancelled?: Record<string, number>;
}

/** `trip_index`: a list's head `{_id: key, n, trips}` and its pages `{_id: key#page, ids: {slot: entry}}`. */
export interface TripIndexDocument {
  _id: string;
  /** On a head: entries appended. */
  n?: number;
  /** On a head: trips they stand for (a fleet entry stands for many). */
  trips?: number;
  /** On a page: the entries by slot. */
  ids?: Record<string, string>;
}
