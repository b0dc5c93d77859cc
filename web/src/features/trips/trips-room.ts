// The trips room: single trips started from this page over the socket (the original Code Delivery flow, one run per
// route at a time), and single trips started elsewhere, found with GET /trips and followed over their trip rooms.
import type { ApiClient } from '../../lib/api-client';
import type { Notifications } from '../../lib/notifications';
import type { SocketConnection } from '../../lib/socket-connection';
import { TripsModel, isActive, type UserTrip } from './trips-model';
import { SocketEvents, isSocketError, type DirectionAck, type TripSubscription } from '@fleetlab/contracts';
import type { StartTripRequest } from '../../lib/api-types';

/** Refused as a duplicate (shown beside the route list) or failed at the api (shown as an error). */
export type StartResult = { ok: true } | { ok: false; reason: string; duplicate: boolean };

/** Single trips of other pages: looked for this often, at most this many. */
const OTHER_TRIPS_POLL_MS = 5_000;
const OTHER_TRIPS_LIMIT = 200;

export interface TripsRoomDeps {
  api: ApiClient;
  connection: SocketConnection | null;
  notifications: Notifications;
  now: () => number;
  routeTitle: (routeId: string) => string;
  loadRoute: (routeId: string) => void;
  /** The session takes the trip's vehicle off the map. */
  dropTrip: (tripId: string) => void;
}

export class TripsRoom {
  readonly model = new TripsModel();
  /** Single trips of other pages followed over their trip room. */
  private readonly others = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly deps: TripsRoomDeps) {}

  /** Starts a trip over the socket (`new-direction`, ack {tripId} | {error}). Refused if the route runs already. */
  async start(routeId: string, paceMs: number): Promise<StartResult> {
    const title = this.deps.routeTitle(routeId);
    const check = this.model.canStart(routeId, title);
    if (!check.ok) return { ...check, duplicate: true };
    const connection = this.deps.connection;
    if (!connection) return { ok: false, reason: 'no connection to the api in this mode', duplicate: false };
    const trip = this.model.begin(routeId, title, paceMs, this.deps.now());
    this.deps.loadRoute(routeId);
    try {
      const answer = await connection.request<DirectionAck | undefined>(SocketEvents.newDirection, { routeId, paceMs } satisfies StartTripRequest);
      if (!answer || !('tripId' in answer) || typeof answer.tripId !== 'string') {
        throw new Error(isSocketError(answer) ? answer.error : 'the api gave no tripId');
      }
      this.model.started(trip.key, answer.tripId);
      // Positions reach this socket by its clientId; the trip room also keeps them coming after a reconnect.
      connection.emit(SocketEvents.subscribeTrip, { tripId: answer.tripId } satisfies TripSubscription);
      return { ok: true };
    } catch (error) {
      this.model.failed(trip.key);
      const message = `Could not start route "${title}": ${(error as Error).message}`;
      this.deps.notifications.push('error', message);
      return { ok: false, reason: message, duplicate: false };
    }
  }

  /** Takes a finished or cancelled trip off the map. */
  dismiss(trip: UserTrip): void {
    if (trip.tripId) {
      this.deps.connection?.emit(SocketEvents.unsubscribeTrip, { tripId: trip.tripId });
      this.deps.dropTrip(trip.tripId);
    }
    this.model.remove(trip.key);
  }

  isFollowed(tripId: string): boolean {
    return this.model.byTripId(tripId) !== undefined || this.others.has(tripId);
  }

  /** Looks for single trips of other pages now and every few seconds. */
  followOthers(): void {
    if (this.timer || !this.deps.connection) return;
    void this.findOthers();
    this.timer = setInterval(() => void this.findOthers(), OTHER_TRIPS_POLL_MS);
  }

  forget(tripIds: readonly string[]): void {
    for (const tripId of tripIds) this.others.delete(tripId);
  }

  /** After a reconnect: every trip room again. */
  resubscribe(): void {
    const connection = this.deps.connection;
    if (!connection) return;
    for (const trip of this.model.get()) {
      if (trip.tripId && isActive(trip)) connection.emit(SocketEvents.subscribeTrip, { tripId: trip.tripId });
    }
    for (const tripId of this.others) connection.emit(SocketEvents.subscribeTrip, { tripId });
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async findOthers(): Promise<void> {
    const connection = this.deps.connection;
    if (!connection || connection.state.get().status !== 'connected') return;
    try {
      const page = await this.deps.api.listTrips({ status: 'running', limit: OTHER_TRIPS_LIMIT });
      for (const trip of page.items) {
        if (trip.fleetId || this.isFollowed(trip.tripId)) continue;
        this.others.add(trip.tripId);
        connection.emit(SocketEvents.subscribeTrip, { tripId: trip.tripId });
      }
    } catch {
      // The vehicles already drawn stay; the api's errors show where the user acted, not on a background look-up.
    }
  }
}
