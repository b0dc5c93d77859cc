import { describe, expect, it } from 'vitest';
import type { LngLat } from '@fleetlab/contracts';
import { intervalMs, Scheduler, type TripPlan } from './scheduler';

const route: LngLat[] = [
  [-47.9, -15.8],
  [-47.91, -15.81],
  [-47.92, -15.82],
  [-47.93, -15.83],
];

function plan(tripId: string, extra: Partial<TripPlan> = {}): TripPlan {
  return { tripId, points: route, intervalMs: 500, ...extra };
}

describe('Scheduler', () => {
  it('plays a trip point by point at its pace, the first point at once', () => {
    const s = new Scheduler<TripPlan>();
    s.add(plan('t1'), 1_000);
    expect(s.collect(1_000).map((p) => [p.seq, p.dueMs])).toEqual([[0, 1_000]]);
    expect(s.collect(1_499)).toEqual([]);
    expect(s.collect(1_500).map((p) => [p.seq, p.dueMs, p.position])).toEqual([[1, 1_500, route[1]]]);
    expect(s.collect(2_000).map((p) => p.seq)).toEqual([2]);
    expect(s.collect(2_500).map((p) => p.seq)).toEqual([3]);
    expect(s.size).toBe(0);
  });

  it('marks only the last point finished and then forgets the trip', () => {
    const s = new Scheduler<TripPlan>();
    s.add(plan('t1'), 0);
    const all = s.collect(10_000);
    expect(all.map((p) => p.finished)).toEqual([false, false, false, true]);
    expect(s.has('t1')).toBe(false);
    expect(s.collect(20_000)).toEqual([]);
  });

  it('catches up a late trip in seq order, each point with its own due time', () => {
    const s = new Scheduler<TripPlan>();
    s.add(plan('t1'), 0);
    const late = s.collect(1_200);
    expect(late.map((p) => p.seq)).toEqual([0, 1, 2]);
    expect(late.map((p) => p.dueMs)).toEqual([0, 500, 1_000]);
  });

  it('orders points of many trips by due time, then by arrival', () => {
    const s = new Scheduler<TripPlan>();
    s.add(plan('slow', { intervalMs: 1_000 }), 0);
    s.add(plan('fast', { intervalMs: 300 }), 0);
    s.add(plan('late', { intervalMs: 300 }), 100);
    const order = s.collect(1_000).map((p) => `${p.trip.tripId}:${p.seq}@${p.dueMs}`);
    expect(order).toEqual([
      'slow:0@0',
      'fast:0@0',
      'late:0@100',
      'fast:1@300',
      'late:1@400',
      'fast:2@600',
      'late:2@700',
      'fast:3@900',
      'slow:1@1000',
      'late:3@1000',
    ]);
  });

  it('resumes a trip from fromSeq, due at once and then at its pace', () => {
    const s = new Scheduler<TripPlan>();
    expect(s.add(plan('t1', { fromSeq: 2 }), 5_000)).toBe('added');
    expect(s.collect(5_000).map((p) => [p.seq, p.dueMs, p.finished])).toEqual([[2, 5_000, false]]);
    expect(s.collect(5_500).map((p) => [p.seq, p.dueMs, p.finished])).toEqual([[3, 5_500, true]]);
  });

  it('refuses a fromSeq past the end of the route and a trip already running', () => {
    const s = new Scheduler<TripPlan>();
    expect(s.add(plan('t1', { fromSeq: 4 }), 0)).toBe('beyond-end');
    expect(s.add(plan('t1'), 0)).toBe('added');
    expect(s.add(plan('t1'), 10)).toBe('duplicate');
    expect(s.collect(0)).toHaveLength(1);
  });

  it('applies the trip pace, else the default, divided by the speed factor', () => {
    expect(intervalMs(undefined, 500, 1)).toBe(500);
    expect(intervalMs(1_000, 500, 1)).toBe(1_000);
    expect(intervalMs(1_000, 500, 4)).toBe(250);
    expect(intervalMs(undefined, 500, 0.5)).toBe(1_000);
    const s = new Scheduler<TripPlan>();
    s.add(plan('t1', { intervalMs: intervalMs(1_000, 500, 4) }), 0);
    expect(s.collect(750).map((p) => p.dueMs)).toEqual([0, 250, 500, 750]);
  });

  it('plays no further point of a cancelled trip, and cancels a whole fleet', () => {
    const s = new Scheduler<TripPlan>();
    s.add(plan('a', { fleetId: 'f1' }), 0);
    s.add(plan('b', { fleetId: 'f1' }), 0);
    s.add(plan('c', { fleetId: 'f2' }), 0);
    s.add(plan('d'), 0);
    expect(s.collect(0)).toHaveLength(4);
    expect(s.cancel('d')?.tripId).toBe('d');
    expect(s.cancel('d')).toBeUndefined();
    expect(s.cancelFleet('f1').map((t) => t.tripId).sort()).toEqual(['a', 'b']);
    expect(s.cancelFleet('f1')).toEqual([]);
    expect(s.size).toBe(1);
    expect(s.collect(10_000).map((p) => p.trip.tripId)).toEqual(['c', 'c', 'c']);
  });

  it('lets a cancelled trip id start again as a new trip', () => {
    const s = new Scheduler<TripPlan>();
    s.add(plan('t1'), 0);
    s.cancel('t1');
    s.add(plan('t1'), 100);
    expect(s.collect(100).map((p) => [p.seq, p.dueMs])).toEqual([[0, 100]]);
  });

  it('reports how late each point comes out (drift) through its due time', () => {
    const s = new Scheduler<TripPlan>();
    s.add(plan('t1'), 1_000);
    const now = 1_537;
    const drift = s.collect(now).map((p) => now - p.dueMs);
    expect(drift).toEqual([537, 37]);
    expect(s.collect(1_999)).toEqual([]);
    expect(s.collect(2_000).map((p) => [p.seq, p.dueMs])).toEqual([[2, 2_000]]);
  });

  it('stops at max and leaves the rest due for the next call, in order', () => {
    const s = new Scheduler<TripPlan>();
    for (let i = 0; i < 5; i++) s.add(plan(`t${i}`), 0);
    expect(s.collect(0, 3).map((p) => p.trip.tripId)).toEqual(['t0', 't1', 't2']);
    expect(s.collect(0, 3).map((p) => p.trip.tripId)).toEqual(['t3', 't4']);
  });

  it('hands off running trips with their next seq and empties itself', () => {
    const s = new Scheduler<TripPlan>();
    s.add(plan('a'), 0);
    s.add(plan('b', { fromSeq: 1 }), 0);
    s.collect(600);
    const drained = s.drain().map(({ trip, nextSeq }) => [trip.tripId, nextSeq]);
    expect(drained).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
    expect(s.size).toBe(0);
    expect(s.collect(10_000)).toEqual([]);
  });

  it('drives 10,000 trips on one shared route in one scheduler, each point exactly once', () => {
    const s = new Scheduler<TripPlan>();
    const trips = 10_000;
    for (let i = 0; i < trips; i++) {
      // Staggered starts over one pace, as a fleet's directions arrive.
      s.add(plan(`t${i}`, { fleetId: i % 2 === 0 ? 'even' : 'odd' }), i % 500);
    }
    expect(s.size).toBe(trips);
    const seen = new Map<string, number[]>();
    let finished = 0;
    let outOfWindow = 0;
    let outOfOrder = 0;
    let copies = 0;
    for (let now = 0; now <= 2_000; now += 20) {
      let lastDue = -Infinity;
      for (const p of s.collect(now)) {
        // Every point comes out on the first tick at or after its due time, earliest first.
        if (p.dueMs > now || p.dueMs <= now - 20) outOfWindow++;
        if (p.dueMs < lastDue) outOfOrder++;
        lastDue = p.dueMs;
        // The trip holds the shared route, not a copy.
        if (p.trip.points !== route) copies++;
        const seqs = seen.get(p.trip.tripId) ?? [];
        seqs.push(p.seq);
        seen.set(p.trip.tripId, seqs);
        if (p.finished) finished++;
      }
    }
    expect({ outOfWindow, outOfOrder, copies }).toEqual({ outOfWindow: 0, outOfOrder: 0, copies: 0 });
    expect(finished).toBe(trips);
    expect(s.size).toBe(0);
    expect(seen.size).toBe(trips);
    for (const seqs of seen.values()) expect(seqs).toEqual([0, 1, 2, 3]);
  });
});
