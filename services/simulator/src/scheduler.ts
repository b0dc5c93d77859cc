import type { LngLat } from '@fleetlab/contracts';
import { MinHeap } from './min-heap';

/** What the scheduler needs to know about a trip; callers extend it with whatever they carry along. */
export interface TripPlan {
  tripId: string;
  fleetId?: string;
  /** The route's points, shared with every other trip on the route: never copied, never mutated. */
  points: readonly LngLat[];
  /** Milliseconds between two points, the speed factor already applied. */
  intervalMs: number;
  /** First point to play; a resumed trip starts where the previous simulator stopped. */
  fromSeq?: number;
}

export interface DuePosition<T extends TripPlan> {
  trip: T;
  seq: number;
  position: LngLat;
  /** When the point was due, epoch milliseconds: the event time, whatever the actual emission time. */
  dueMs: number;
  /** True on the route's last point only; the trip has left the scheduler. */
  finished: boolean;
}

export type AddResult = 'added' | 'duplicate' | 'beyond-end';

/** Milliseconds between two points: the trip's pace (or the default) divided by the speed factor. */
export function intervalMs(paceMs: number | undefined, defaultPaceMs: number, speedFactor: number): number {
  return (paceMs ?? defaultPaceMs) / speedFactor;
}

interface Entry<T extends TripPlan> {
  plan: T;
  /** Due time of point 0, even when the trip resumed past it: point seq is due at origin + seq * interval. */
  originMs: number;
  nextSeq: number;
  nextDueMs: number;
  /** Tie-breaker for equal due times: first added, first played. */
  order: number;
  removed: boolean;
}

/**
 * Every running trip of the process, ordered by the due time of its next point in one min-heap. Pure: no timers,
 * no I/O, the clock is passed in. The caller ticks it and publishes what it returns.
 */
export class Scheduler<T extends TripPlan> {
  private readonly trips = new Map<string, Entry<T>>();
  private readonly fleets = new Map<string, Set<string>>();
  private readonly heap = new MinHeap<Entry<T>>((a, b) =>
    a.nextDueMs === b.nextDueMs ? a.order < b.order : a.nextDueMs < b.nextDueMs,
  );
  private counter = 0;

  /** Running trips. */
  get size(): number {
    return this.trips.size;
  }

  has(tripId: string): boolean {
    return this.trips.has(tripId);
  }

  /** Starts a trip whose first point (fromSeq, else 0) is due now. A trip already running is left alone. */
  add(plan: T, nowMs: number): AddResult {
    if (this.trips.has(plan.tripId)) return 'duplicate';
    const fromSeq = plan.fromSeq ?? 0;
    if (fromSeq >= plan.points.length) return 'beyond-end';
    const entry: Entry<T> = {
      plan,
      originMs: nowMs - fromSeq * plan.intervalMs,
      nextSeq: fromSeq,
      nextDueMs: nowMs,
      order: this.counter++,
      removed: false,
    };
    this.trips.set(plan.tripId, entry);
    if (plan.fleetId !== undefined) {
      let members = this.fleets.get(plan.fleetId);
      if (!members) this.fleets.set(plan.fleetId, (members = new Set()));
      members.add(plan.tripId);
    }
    this.heap.push(entry);
    return 'added';
  }

  /** Removes a running trip; no further point of it is returned. */
  cancel(tripId: string): T | undefined {
    const entry = this.trips.get(tripId);
    if (!entry) return undefined;
    this.remove(entry);
    return entry.plan;
  }

  /** Removes every running trip of a fleet. */
  cancelFleet(fleetId: string): T[] {
    const members = this.fleets.get(fleetId);
    if (!members) return [];
    const cancelled: T[] = [];
    for (const tripId of [...members]) {
      const plan = this.cancel(tripId);
      if (plan) cancelled.push(plan);
    }
    return cancelled;
  }

  /**
   * Every point due at or before now, earliest first (a late trip catches up point by point), at most max of them;
   * what is left stays due for the next call. Finished trips leave the scheduler.
   */
  collect(nowMs: number, max = Number.POSITIVE_INFINITY): DuePosition<T>[] {
    const due: DuePosition<T>[] = [];
    while (due.length < max) {
      const entry = this.heap.peek();
      if (!entry || entry.nextDueMs > nowMs) break;
      this.heap.pop();
      // Cancelled trips stay in the heap until they come up: removal is lazy, so cancel is O(1).
      if (entry.removed) continue;
      const { plan } = entry;
      const seq = entry.nextSeq;
      const finished = seq === plan.points.length - 1;
      due.push({ trip: plan, seq, position: plan.points[seq] as LngLat, dueMs: entry.nextDueMs, finished });
      if (finished) {
        this.remove(entry);
      } else {
        entry.nextSeq = seq + 1;
        entry.nextDueMs = entry.originMs + entry.nextSeq * plan.intervalMs;
        this.heap.push(entry);
      }
    }
    return due;
  }

  /** Removes every running trip, each with the next point it would have played: for a hand-off. */
  drain(): Array<{ trip: T; nextSeq: number }> {
    const running = [...this.trips.values()].map((e) => ({ trip: e.plan, nextSeq: e.nextSeq }));
    this.trips.clear();
    this.fleets.clear();
    this.heap.clear();
    return running;
  }

  private remove(entry: Entry<T>): void {
    entry.removed = true;
    this.trips.delete(entry.plan.tripId);
    const fleetId = entry.plan.fleetId;
    if (fleetId !== undefined) {
      const members = this.fleets.get(fleetId);
      members?.delete(entry.plan.tripId);
      if (members?.size === 0) this.fleets.delete(fleetId);
    }
  }
}
