// The trips this page started: their colour, status and last position, and the rule that a route can't run twice.
import { Observable } from '../../lib/observable';
import { pickColor } from '../../lib/colors';
import { shortId } from '../../lib/format';
import type { LngLat, Trip } from '../../lib/api-types';
import type { Vehicle } from '../vehicles/vehicle-store';

export type UserTripStatus = 'starting' | 'requested' | 'running' | 'finished' | 'cancelled';

export interface UserTrip {
  /** Local key, known before the api answers with a tripId. */
  key: string;
  tripId?: string | undefined;
  routeId: string;
  routeTitle: string;
  color: string;
  status: UserTripStatus;
  paceMs: number;
  requestedAt: number;
  vehicleId?: string | undefined;
  lastPosition?: LngLat | undefined;
  lastSeq?: number | undefined;
  total?: number | undefined;
  lastTs?: string | undefined;
}

export type StartCheck = { ok: true } | { ok: false; reason: string };

const ACTIVE: ReadonlySet<UserTripStatus> = new Set(['starting', 'requested', 'running']);
export const isActive = (trip: UserTrip): boolean => ACTIVE.has(trip.status);

export class TripsModel extends Observable<readonly UserTrip[]> {
  private counter = 0;

  constructor() {
    super([]);
  }

  byTripId(tripId: string): UserTrip | undefined {
    return this.get().find((t) => t.tripId === tripId);
  }

  /** One user can't run the same route twice at once: the second start is refused with the reason. */
  canStart(routeId: string, routeTitle: string): StartCheck {
    const running = this.get().find((t) => t.routeId === routeId && isActive(t));
    if (!running) return { ok: true };
    const which = running.tripId ? `trip ${shortId(running.tripId)}` : 'a trip still starting';
    return {
      ok: false,
      reason: `Route "${routeTitle}" is already running (${which}). Wait for it to finish before starting it again.`,
    };
  }

  begin(routeId: string, routeTitle: string, paceMs: number, now = Date.now()): UserTrip {
    const trips = this.get();
    const color = pickColor(trips.filter(isActive).map((t) => t.color), this.counter);
    const trip: UserTrip = { key: `local-${++this.counter}`, routeId, routeTitle, color, status: 'starting', paceMs, requestedAt: now };
    this.set([...trips, trip]);
    return trip;
  }

  started(key: string, tripId: string): void {
    this.update(key, (t) => ({ ...t, tripId, status: t.status === 'starting' ? 'requested' : t.status }));
  }

  /** A start that failed leaves no trace, so the route can be started again. */
  failed(key: string): void {
    this.set(this.get().filter((t) => t.key !== key));
  }

  remove(key: string): void {
    this.failed(key);
  }

  /** Applies vehicle updates; returns the trips of this page that finished in this batch. */
  applyVehicles(changed: readonly Vehicle[]): UserTrip[] {
    const trips = this.get();
    if (trips.length === 0 || changed.length === 0) return [];
    const index = new Map<string, number>();
    trips.forEach((t, i) => t.tripId && index.set(t.tripId, i));
    let next: UserTrip[] | undefined;
    const finished: UserTrip[] = [];
    for (const v of changed) {
      const i = index.get(v.tripId);
      if (i === undefined) continue;
      next ??= [...trips];
      const before = next[i]!;
      if (before.status === 'cancelled') continue;
      const after: UserTrip = {
        ...before,
        vehicleId: v.vehicleId,
        lastPosition: [v.lng, v.lat],
        lastSeq: v.seq,
        total: v.total ?? before.total,
        lastTs: v.ts,
        status: v.finished ? 'finished' : 'running',
      };
      next[i] = after;
      if (after.status === 'finished' && before.status !== 'finished') finished.push(after);
    }
    if (next) this.set(next);
    return finished;
  }

  /** Takes the api's view of a trip (polled for details): status only moves forward. */
  applyTrip(trip: Trip): void {
    const current = this.byTripId(trip.tripId);
    if (!current) return;
    const order: UserTripStatus[] = ['starting', 'requested', 'running', 'finished'];
    const status =
      trip.status === 'cancelled' || current.status === 'cancelled'
        ? 'cancelled'
        : order.indexOf(trip.status) > order.indexOf(current.status)
          ? trip.status
          : current.status;
    if (status !== current.status || trip.total !== current.total) this.update(current.key, (t) => ({ ...t, status, total: trip.total }));
  }

  private update(key: string, fn: (trip: UserTrip) => UserTrip): void {
    this.set(this.get().map((t) => (t.key === key ? fn(t) : t)));
  }
}
