// The latest known state of every vehicle on the map, keyed by trip; plain data, no Leaflet, so it is testable.
import type { NewPosition } from '../../lib/api-types';

export interface Vehicle {
  tripId: string;
  vehicleId: string;
  routeId: string;
  fleetId?: string | undefined;
  lng: number;
  lat: number;
  seq: number;
  total?: number | undefined;
  /** Event time of the last position, ISO-8601. */
  ts: string;
  finished: boolean;
  /** When this page received the last position (ms since epoch). */
  receivedAt: number;
}

export interface AppliedBatch {
  /** Vehicles that moved or appeared. */
  changed: Vehicle[];
  /** Vehicles whose trip finished in this batch. */
  finished: Vehicle[];
}

export class VehicleStore {
  private readonly vehicles = new Map<string, Vehicle>();

  get size(): number {
    return this.vehicles.size;
  }

  get(tripId: string): Vehicle | undefined {
    return this.vehicles.get(tripId);
  }

  values(): IterableIterator<Vehicle> {
    return this.vehicles.values();
  }

  apply(batch: readonly NewPosition[], now: number): AppliedBatch {
    const changed: Vehicle[] = [];
    const finished: Vehicle[] = [];
    for (const p of batch) {
      const current = this.vehicles.get(p.tripId);
      if (current && p.seq < current.seq) continue;
      const wasFinished = current?.finished ?? false;
      const vehicle: Vehicle = current ?? {
        tripId: p.tripId,
        vehicleId: p.vehicleId,
        routeId: p.routeId,
        fleetId: p.fleetId,
        lng: 0,
        lat: 0,
        seq: -1,
        ts: p.ts,
        finished: false,
        receivedAt: now,
      };
      vehicle.lng = p.position[0];
      vehicle.lat = p.position[1];
      vehicle.seq = p.seq;
      vehicle.total = p.total ?? vehicle.total;
      vehicle.ts = p.ts;
      vehicle.finished = wasFinished || p.finished;
      vehicle.receivedAt = now;
      if (!current) this.vehicles.set(p.tripId, vehicle);
      changed.push(vehicle);
      if (vehicle.finished && !wasFinished) finished.push(vehicle);
    }
    return { changed, finished };
  }

  /** Removes vehicles, returning the trip ids removed. */
  removeWhere(predicate: (v: Vehicle) => boolean): string[] {
    const removed: string[] = [];
    for (const [tripId, vehicle] of this.vehicles) {
      if (predicate(vehicle)) {
        this.vehicles.delete(tripId);
        removed.push(tripId);
      }
    }
    return removed;
  }
}
