import { TRIP_INDEX_PAGE, fleetVehicleIndex, type TripStatus } from '@fleetlab/contracts';
import type { FleetDoc } from '../fleets/fleet.schema';
import { fleetIndexes, mapLimit, refFleetId } from './read-model';

/** Fleets of one list page read at once. */
const READ_CONCURRENCY = 8;
import type { TripDoc } from './trip.schema';
import type { ListTripsQuery, TripView } from './trips.dto';

/** Trips outside any fleet whose documents one list request reads to apply a filter; past it, `total` counts what was read. */
export const LIST_SCAN_LIMIT = 1000;

export const ALL_TRIPS = 'all';
export const routeKey = (routeId: string): string => `route:${routeId}`;
export const vehicleKey = (vehicleId: string): string => `vehicle:${vehicleId}`;

/** What a list walk needs of TripsService. */
export interface ListSource {
  fleetDoc(fleetId: string): Promise<FleetDoc | null>;
  fleetStatuses(fleet: FleetDoc): Promise<TripStatus[]>;
  fleetTripIds(fleetId: string, indexes: readonly number[]): Promise<Array<string | undefined>>;
  tripDocs(ids: readonly string[]): Promise<Array<TripDoc | null>>;
  /** What a filter needs of trips whose status can no longer change (finished, cancelled), by id; kept in memory. */
  settledTrips: Map<string, SettledTrip>;
  listLength(key: string): Promise<{ entries: number; trips: number }>;
  listSlots(key: string, from: number, to: number): Promise<Map<number, string>>;
  views(docs: readonly TripDoc[], fleets: Map<string, FleetDoc | null>): Promise<TripView[]>;
}

export interface SettledTrip {
  status: TripStatus;
  routeId: string;
}

/** Settled trips remembered for filters; past this the memory starts over. */
export const MAX_SETTLED_TRIPS = 200_000;

type Pick = { tripId: string; doc?: TripDoc } | { fleetId: string; index: number };

/**
 * One `GET /trips` over the read models: entries newest first, each a trip or a whole fleet (counted from its
 * vehicles, filtered with its progress documents), the page [offset, offset + limit) picked on the way, and the
 * total counted from the list's head when no filter needs the trips themselves.
 */
export class ListWalk {
  private seen = 0;
  private readonly picked: Pick[] = [];
  private readonly fleets = new Map<string, FleetDoc | null>();

  constructor(
    private readonly source: ListSource,
    private readonly query: ListTripsQuery,
  ) {}

  private get full(): boolean {
    return this.picked.length >= this.query.limit;
  }

  private take(pick: Pick): void {
    if (this.seen >= this.query.offset && !this.full) this.picked.push(pick);
    this.seen++;
  }

  /** A fleet's trips, newest (highest vehicle index) first; `only` restricts it to those vehicles. */
  async fleet(fleet: FleetDoc, only?: readonly number[]): Promise<void> {
    this.fleets.set(fleet._id, fleet);
    const { routeId, status, vehicleId } = this.query;
    const routeSlots = routeId ? new Set(fleet.routeIds.flatMap((r, i) => (r === routeId ? [i] : []))) : undefined;
    if (routeSlots && routeSlots.size === 0) return;
    const statuses = status ? await this.statusesOf(fleet) : undefined;
    const vehicle = vehicleId ? fleetVehicleIndex(fleet._id, vehicleId) : undefined;
    if (vehicleId && vehicle === undefined) return;
    const keep = (i: number): boolean =>
      (!routeSlots || routeSlots.has(i % fleet.routeIds.length)) &&
      (!statuses || statuses[i] === status) &&
      (vehicle === undefined || vehicle === i);
    const indexes = only ? only.filter(keep) : fleetIndexes(fleet.vehicles, keep);
    if (this.full) {
      this.seen += indexes.length;
      return;
    }
    for (const index of indexes) this.take({ fleetId: fleet._id, index });
  }

  /** Walks a list (`trip_index` key) newest first. */
  async walk(key: string): Promise<void> {
    const { status, vehicleId, routeId } = this.query;
    // Trips outside fleets need their documents only when a filter is not the list's own.
    const needDocs = status !== undefined || (vehicleId !== undefined && routeId !== undefined);
    const head = await this.source.listLength(key);
    const before = this.seen;
    let examined = 0;
    let hi = head.entries;
    let stoppedEarly = false;
    while (hi > 0) {
      if (!needDocs && this.full) {
        stoppedEarly = true;
        break;
      }
      if (examined >= LIST_SCAN_LIMIT) break;
      const lo = Math.floor((hi - 1) / TRIP_INDEX_PAGE) * TRIP_INDEX_PAGE;
      const entries = [...(await this.source.listSlots(key, lo, hi))].sort((a, b) => b[0] - a[0]).map(([, entry]) => entry);
      const settled = this.source.settledTrips;
      const singles = needDocs ? entries.filter((e) => refFleetId(e) === undefined && !settled.has(e)) : [];
      const docs = new Map<string, TripDoc>();
      for (const doc of await this.source.tripDocs(singles)) {
        if (!doc) continue;
        docs.set(doc._id, doc);
        if (!doc.fleetId && (doc.status === 'finished' || doc.status === 'cancelled')) {
          if (settled.size >= MAX_SETTLED_TRIPS) settled.clear();
          settled.set(doc._id, { status: doc.status, routeId: doc.routeId });
        }
      }
      examined += singles.length;
      // The page's fleets (and, with a status filter, their progress) read at once rather than one after another.
      await mapLimit(
        entries.flatMap((e) => refFleetId(e) ?? []),
        READ_CONCURRENCY,
        async (fleetId) => {
          const fleet = await this.fleetDoc(fleetId);
          if (fleet && status) await this.statusesOf(fleet);
        },
      );
      for (const entry of entries) {
        const fleetId = refFleetId(entry);
        if (fleetId !== undefined) {
          const fleet = await this.fleetDoc(fleetId);
          if (fleet) await this.fleet(fleet);
        } else if (!needDocs) {
          this.take({ tripId: entry });
        } else {
          const doc = docs.get(entry);
          const known = doc ?? settled.get(entry);
          if (known && (!status || known.status === status) && (!routeId || known.routeId === routeId)) {
            this.take(doc ? { tripId: entry, doc } : { tripId: entry });
          }
        }
      }
      hi = lo;
    }
    if (stoppedEarly) this.seen = before + head.trips;
  }

  private readonly statuses = new Map<string, Promise<TripStatus[]>>();

  /** A fleet's statuses, read once per walk. */
  private statusesOf(fleet: FleetDoc): Promise<TripStatus[]> {
    if (!this.statuses.has(fleet._id)) this.statuses.set(fleet._id, this.source.fleetStatuses(fleet));
    return this.statuses.get(fleet._id)!;
  }

  private async fleetDoc(fleetId: string): Promise<FleetDoc | null> {
    if (!this.fleets.has(fleetId)) this.fleets.set(fleetId, await this.source.fleetDoc(fleetId));
    return this.fleets.get(fleetId)!;
  }

  /** The picked page as views, and the total. */
  async result(): Promise<{ items: TripView[]; total: number }> {
    const ids: Array<string | undefined> = this.picked.map((p) => ('tripId' in p ? p.tripId : undefined));
    const byFleet = new Map<string, number[]>();
    this.picked.forEach((p, i) => {
      if ('fleetId' in p) byFleet.set(p.fleetId, [...(byFleet.get(p.fleetId) ?? []), i]);
    });
    for (const [fleetId, positions] of byFleet) {
      const tripIds = await this.source.fleetTripIds(
        fleetId,
        positions.map((i) => (this.picked[i] as { index: number }).index),
      );
      positions.forEach((at, j) => (ids[at] = tripIds[j]));
    }
    const known = new Map<string, TripDoc>();
    for (const p of this.picked) if ('doc' in p && p.doc) known.set(p.tripId, p.doc);
    const missing = ids.filter((id): id is string => id !== undefined && !known.has(id));
    (await this.source.tripDocs(missing)).forEach((doc) => doc && known.set(doc._id, doc));
    const docs = ids.flatMap((id) => (id && known.has(id) ? [known.get(id)!] : []));
    return { items: await this.source.views(docs, this.fleets), total: this.seen };
  }
}
