import { HttpException, HttpStatus } from '@nestjs/common';
import type { SchemaObject } from '@nestjs/swagger';

/** Seconds a trip is still counted on the road after its last point is due: a loaded lab plays trips late. */
export const ROAD_GRACE_MS = 30_000;

interface Occupancy {
  /** When these vehicles are due off the road (ms since epoch). */
  until: number;
  vehicles: number;
  fleetId?: string;
}

/** The body of a 429: names the cap, the variable that sets it and when to come back. */
export interface AdmissionRefusal {
  statusCode: 429;
  error: 'Too Many Requests';
  message: string;
  cap: { name: string; limit: number; current: number; requested: number };
  retryAfterSeconds: number;
}

export class AdmissionException extends HttpException {
  constructor(readonly refusal: AdmissionRefusal) {
    super(refusal, HttpStatus.TOO_MANY_REQUESTS);
  }
}

export function refuse(name: string, limit: number, current: number, requested: number, retryAfterSeconds: number, what: string): AdmissionException {
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
  admit(vehicles: number, durationMs: number, fleetId?: string): void {
    const current = this.onRoad();
    if (current + vehicles > this.limit) {
      throw refuse('API_MAX_VEHICLES_ON_ROAD', this.limit, current, vehicles, this.retryAfterSeconds(current + vehicles - this.limit), 'vehicles on the road');
    }
    this.entries.push({ until: this.now() + durationMs + ROAD_GRACE_MS, vehicles, ...(fleetId ? { fleetId } : {}) });
  }

  /** A cancelled fleet's vehicles leave the road. */
  release(fleetId: string): void {
    this.entries = this.entries.filter((e) => e.fleetId !== fleetId);
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

/** OpenAPI: the body of a 429 (and its `Retry-After` header, in seconds). */
export const admissionRefusalSchema: SchemaObject = {
  type: 'object',
  description: 'Refused by a cap; the Retry-After header says in how many seconds to try again.',
  properties: {
    statusCode: { type: 'integer', enum: [429] },
    error: { type: 'string' },
    message: { type: 'string' },
    cap: {
      type: 'object',
      properties: {
        name: { type: 'string', enum: ['API_MAX_VEHICLES_ON_ROAD', 'API_MAX_ROUTES_PER_REQUEST'] },
        limit: { type: 'integer' },
        current: { type: 'integer' },
        requested: { type: 'integer' },
      },
    },
    retryAfterSeconds: { type: 'integer', minimum: 1 },
  },
};

/** OpenAPI: a 503 for a database that did not answer in time. */
export const databaseUnavailableSchema: SchemaObject = {
  type: 'object',
  description: 'The database did not answer within API_DB_TIMEOUT_MS, or is not reachable; the message says which.',
  properties: { statusCode: { type: 'integer', enum: [503] }, error: { type: 'string' }, message: { type: 'string' } },
};
