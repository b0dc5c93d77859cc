/**
 * Read models shared by the api (which reads them) and the consumer (which keeps some of them): documents addressed
 * by a computed `_id`, so every read touches known documents only. FerretDB 1.24 pushes down nothing but `_id`
 * equality, so any filter, sort or count over a collection reads all of it (docs/architecture.md, "Read models").
 */
export const ReadModelCollections = {
  /** Append-only lists of trip ids, newest last: `<key>` heads `{n}` and `<key>#<page>` pages `{ids: {<slot>: tripId}}`. */
  tripIndex: 'trip_index',
  /** Per fleet, per block of vehicles: which of its trips reached `running`, `finished`, `cancelled`. */
  fleetProgress: 'fleet_progress',
} as const;

/** Vehicles per fleet progress document. */
export const FLEET_PROGRESS_BLOCK = 1000;

/** Trip ids per trip index page. */
export const TRIP_INDEX_PAGE = 200;

/** The statuses a fleet progress document records: set-once flags, so a repeated or late write changes nothing. */
export const FLEET_PROGRESS_FLAGS = ['running', 'finished', 'cancelled'] as const;
export type FleetProgressFlag = (typeof FLEET_PROGRESS_FLAGS)[number];

/** A fleet's vehicles are `<fleetId>-v<i>` (the api names them so); the index i, or undefined for any other id. */
export function fleetVehicleIndex(fleetId: string, vehicleId: string): number | undefined {
  const prefix = `${fleetId}-v`;
  if (!vehicleId.startsWith(prefix)) return undefined;
  const digits = vehicleId.slice(prefix.length);
  if (!/^(0|[1-9]\d{0,8})$/.test(digits)) return undefined;
  return Number(digits);
}

export function fleetVehicleId(fleetId: string, index: number): string {
  return `${fleetId}-v${index}`;
}

export function fleetProgressId(fleetId: string, block: number): string {
  return `${fleetId}#${block}`;
}

/** The `$set` that records a fleet trip's status: one flag, set to 1; nothing for `requested` (the default). */
export function fleetProgressSet(index: number, status: string): Record<string, 1> | undefined {
  if (!(FLEET_PROGRESS_FLAGS as readonly string[]).includes(status)) return undefined;
  return { [`${status}.${index % FLEET_PROGRESS_BLOCK}`]: 1 };
}

/** A fleet's trip list in vehicle order: slot i holds the trip of vehicle i. */
export function fleetIndexKey(fleetId: string): string {
  return `fleet:${fleetId}`;
}

export function tripIndexPageId(key: string, page: number): string {
  return `${key}#${page}`;
}
