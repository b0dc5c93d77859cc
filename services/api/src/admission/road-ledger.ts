import { HttpException, HttpStatus } from '@nestjs/common';
import type { AdmissionRefusal } from '@fleetlab/contracts';

/** Seconds a trip is still counted on the road after its last point is due: a loaded lab plays trips late. */
export const ROAD_GRACE_MS = 30_000;

interface Occupancy {
  /** When these vehicles are due off the road (ms since epoch). */
  until: number;
  vehicles: number;
  /** The fleet or the single trip these vehicles belong to, so a cancel takes them off at once. */
  owner?: string;
}

export type { AdmissionRefusal };

export class AdmissionException extends HttpException {
  constructor(readonly refusal: AdmissionRefusal) {
    super(refusal, HttpStatus.TOO_MANY_REQUESTS);
  }
}

export function refuse(name: AdmissionRefusal['cap']['name'], limit: number, current: number, requested: number, retryAfterSeconds: number, what: string): AdmissionException {
  return new AdmissionException({
    statusCode: 429,
    error: 'Too Many Requests',
    message: `${what}: at most ${limit} (${name}); ${current} now, ${requested} asked. Retry after ${retryAfterSeconds} s`,
    cap: { name, limit, current, requested },
    retryAfterSeconds,
  });
}

/**
 * Vehicles on the road, as this api instance started them: a trip counts from its request until its last point is
 * due (points × pace, plus ROAD_GRACE_MS), or until its fleet is cancelled. Kept in memory: no database read per
 * request, and a slow database cannot make admission slow. Each instance holds its own cap.
 */
export class RoadLedger {
  private entries: Occupancy[] = [];

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Vehicles counted now. */
  onRoad(): number {
    const now = this.now();
    this.entries = this.entries.filter((e) => e.until > now);
    return this.entries.reduce((sum, e) => sum + e.vehicles, 0);
  }

  /** Admits `vehicles` for `durationMs` or throws a 429 naming the cap and when enough of the road frees up. */
  admit(vehicles: number, durationMs: number, owner?: string): void {
    const current = this.onRoad();
    if (current + vehicles > this.limit) {
      throw refuse('API_MAX_VEHICLES_ON_ROAD', this.limit, current, vehicles, this.retryAfterSeconds(current + vehicles - this.limit), 'vehicles on the road');
    }
    this.entries.push({ until: this.now() + durationMs + ROAD_GRACE_MS, vehicles, ...(owner ? { owner } : {}) });
  }

  /** A cancelled fleet's or trip's vehicles leave the road: all of them, or `vehicles` of them (one cancelled trip of a fleet). */
  release(owner: string, vehicles?: number): void {
    if (vehicles === undefined) {
      this.entries = this.entries.filter((e) => e.owner !== owner);
      return;
    }
    let left = vehicles;
    for (const e of this.entries) {
      if (e.owner !== owner || left <= 0) continue;
      const off = Math.min(e.vehicles, left);
      e.vehicles -= off;
      left -= off;
    }
    this.entries = this.entries.filter((e) => e.vehicles > 0);
  }

  /** Seconds until `excess` vehicles have left the road (at least 1). */
  private retryAfterSeconds(excess: number): number {
    const now = this.now();
    const byEnd = [...this.entries].sort((a, b) => a.until - b.until);
    let freed = 0;
    for (const e of byEnd) {
      freed += e.vehicles;
      if (freed >= excess) return Math.max(1, Math.ceil((e.until - now) / 1000));
    }
    return 1;
  }
}
