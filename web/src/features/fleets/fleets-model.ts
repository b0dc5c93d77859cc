// Fleets started from this page: size, pace, colour, the api's trip counts and the finished events seen here.
import { Observable } from '../../lib/observable';
import { FLEET_PALETTE, pickColor } from '../../lib/colors';
import type { Fleet, TripCounts } from '../../lib/api-types';

export interface FleetState {
  fleetId: string;
  vehicles: number;
  paceMs: number;
  color: string;
  status: string;
  /** Trips of this fleet whose last position (finished: true) reached this page. */
  finishedEvents: number;
  /** The api's counts from the last poll of GET /fleets/:id. */
  counts?: TripCounts | undefined;
  polledAt?: number | undefined;
  /** started: by this page; running: found driving on the road (the demo fleet, another page's, a load test's). */
  origin: 'started' | 'running';
}

/** Active = requested + running per the api; falls back to what this page saw before the first poll. */
export function activeTrips(fleet: FleetState): number {
  if (fleet.counts) return fleet.counts.requested + fleet.counts.running;
  return Math.max(0, fleet.vehicles - fleet.finishedEvents);
}

export function isSettled(fleet: FleetState): boolean {
  if (fleet.status === 'cancelled') return true;
  const c = fleet.counts;
  return c !== undefined && c.requested + c.running === 0 && c.finished + c.cancelled >= fleet.vehicles;
}

export class FleetsModel extends Observable<readonly FleetState[]> {
  private counter = 0;

  constructor() {
    super([]);
  }

  find(fleetId: string): FleetState | undefined {
    return this.get().find((f) => f.fleetId === fleetId);
  }

  add(fleetId: string, vehicles: number, paceMs: number, origin: FleetState['origin'] = 'started'): FleetState {
    const fleets = this.get();
    const color = pickColor(fleets.map((f) => f.color), this.counter++, FLEET_PALETTE);
    const fleet: FleetState = { fleetId, vehicles, paceMs, color, status: 'running', finishedEvents: 0, origin };
    this.set([...fleets, fleet]);
    return fleet;
  }

  remove(fleetId: string): void {
    this.set(this.get().filter((f) => f.fleetId !== fleetId));
  }

  countFinished(finishedByFleet: ReadonlyMap<string, number>): void {
    if (finishedByFleet.size === 0) return;
    this.set(
      this.get().map((f) => {
        const n = finishedByFleet.get(f.fleetId);
        return n ? { ...f, finishedEvents: f.finishedEvents + n } : f;
      }),
    );
  }

  applyPoll(fleet: Fleet, now = Date.now()): void {
    this.set(
      this.get().map((f) =>
        f.fleetId === fleet.fleetId
          ? { ...f, counts: fleet.trips, status: fleet.status, vehicles: fleet.vehicles, paceMs: fleet.paceMs ?? f.paceMs, polledAt: now }
          : f,
      ),
    );
  }
}
