import { describe, expect, it } from 'vitest';
import type { NewPosition } from '@fleetlab/contracts';
import { nextStatus, projectTrips, type TripState, type TripUpdate } from './trip-projection';
import { pos, range, t0 } from '../test/positions';

const states = (...trips: TripState[]): Map<string, TripState> => new Map(trips.map((t) => [t._id, t]));

const only = (updates: TripUpdate[]): TripUpdate => {
  expect(updates).toHaveLength(1);
  return updates[0]!;
};

/** Applies updates the way MongoDB would, so sequences of deliveries can be checked end to end. */
function apply(db: Map<string, Record<string, unknown>>, updates: TripUpdate[]): void {
  for (const { tripId, filter, update, upsert } of updates) {
    const doc = db.get(tripId);
    const matches =
      doc !== undefined &&
      Object.entries(filter).every(([key, want]) =>
        want !== null && typeof want === 'object' && '$exists' in want ? (key in doc) === want.$exists : doc[key] === want,
      );
    if (!matches && !(doc === undefined && upsert)) continue;
    const target = doc ?? { _id: tripId, ...update.$setOnInsert };
    Object.assign(target, update.$set);
    db.set(tripId, target);
  }
}

function stateOf(db: Map<string, Record<string, unknown>>): Map<string, TripState> {
  return new Map([...db].map(([id, d]) => [id, { _id: id, status: d.status, lastSeq: d.lastSeq, startedAt: d.startedAt } as TripState]));
}

describe('projectTrips', () => {
  it('upserts a trip nobody requested, with its identity set on insert only', () => {
    const update = only(projectTrips(new Map(), range('a', 0, 2, { fleetId: 'f1', total: 10 })).updates);
    expect(update).toEqual({
      tripId: 'a',
      filter: { _id: 'a', lastSeq: { $exists: false } },
      update: {
        $set: {
          lastPosition: pos('a', 2).position,
          lastSeq: 2,
          lastTs: new Date(pos('a', 2).ts),
          total: 10,
          startedAt: new Date(pos('a', 0).ts),
          status: 'running',
          count: 3,
        },
        $setOnInsert: {
          routeId: 'r1',
          vehicleId: 'v-a',
          clientId: '',
          requestedAt: new Date(pos('a', 0).ts),
          fleetId: 'f1',
        },
      },
      upsert: true,
      applied: 3,
      lastSeq: 2,
      finishes: false,
      changesStatus: true,
      fleetId: 'f1',
      vehicleId: 'v-a',
    });
  });

  it('leaves fleetId and total out when the events do not carry them', () => {
    const { update } = only(projectTrips(new Map(), [pos('a', 0)]).updates);
    expect(update.$setOnInsert).not.toHaveProperty('fleetId');
    expect(update.$set).not.toHaveProperty('total');
  });

  it('starts a requested trip, guarding both lastSeq and status', () => {
    const update = only(projectTrips(states({ _id: 'a', status: 'requested' }), range('a', 0, 1)).updates);
    expect(update.filter).toEqual({ _id: 'a', lastSeq: { $exists: false }, status: 'requested' });
    expect(update.upsert).toBe(false);
    expect(update.update.$setOnInsert).toBeUndefined();
    expect(update.update.$set).toMatchObject({ status: 'running', startedAt: new Date(pos('a', 0).ts), lastSeq: 1 });
  });

  it('does nothing for a batch redelivered after it was applied', () => {
    const current = states({ _id: 'a', status: 'running', lastSeq: 4, startedAt: new Date(t0) });
    expect(projectTrips(current, range('a', 0, 4))).toEqual({ updates: [], skipped: 5 });
  });

  it('applies only the positions after lastSeq when a stored prefix is redelivered with new ones', () => {
    const current = states({ _id: 'a', status: 'running', lastSeq: 2, startedAt: new Date(t0) });
    const { updates, skipped } = projectTrips(current, range('a', 0, 5));
    const update = only(updates);
    expect(skipped).toBe(3);
    expect(update.filter).toEqual({ _id: 'a', lastSeq: 2 });
    expect(update.applied).toBe(3);
    expect(update.changesStatus).toBe(false);
    expect(update.update.$set).toEqual({
      lastPosition: pos('a', 5).position,
      lastSeq: 5,
      lastTs: new Date(pos('a', 5).ts),
      count: 6,
    });
  });

  it('counts a position repeated within the batch once', () => {
    const batch = [pos('a', 3), pos('a', 4), pos('a', 3), pos('a', 4), pos('a', 5)];
    const { updates, skipped } = projectTrips(states({ _id: 'a', status: 'running', lastSeq: 2, startedAt: new Date(t0) }), batch);
    expect(only(updates).applied).toBe(3);
    expect(only(updates).update.$set.count).toBe(6);
    expect(skipped).toBe(2);
  });

  it('takes the last position by seq, not by arrival', () => {
    const update = only(projectTrips(new Map(), [pos('a', 5), pos('a', 3), pos('a', 4)]).updates);
    expect(update.update.$set).toMatchObject({ lastSeq: 5, lastPosition: pos('a', 5).position, startedAt: new Date(pos('a', 3).ts) });
  });

  it('finishes a running trip on its finished event', () => {
    const current = states({ _id: 'a', status: 'running', lastSeq: 7, startedAt: new Date(t0) });
    const update = only(projectTrips(current, [pos('a', 8), pos('a', 9, { finished: true, total: 10 })]).updates);
    expect(update.finishes).toBe(true);
    expect(update.filter).toEqual({ _id: 'a', lastSeq: 7, status: 'running' });
    expect(update.update.$set).toMatchObject({ status: 'finished', finishedAt: new Date(pos('a', 9).ts), total: 10, lastSeq: 9 });
  });

  it('finishes a requested trip whose whole route arrives in one batch', () => {
    const batch = [...range('a', 0, 2), pos('a', 3, { finished: true })];
    const update = only(projectTrips(states({ _id: 'a', status: 'requested' }), batch).updates);
    expect(update.update.$set).toMatchObject({ status: 'finished', startedAt: new Date(pos('a', 0).ts) });
    expect(update.update.$set.count).toBe(4);
  });

  it('finishes a trip nobody requested on insert', () => {
    const update = only(projectTrips(new Map(), [pos('a', 0, { finished: true, total: 1 })]).updates);
    expect(update).toMatchObject({ upsert: true, finishes: true });
    expect(update.update.$set.status).toBe('finished');
  });

  it('does not finish twice when the finished event is redelivered', () => {
    const current = states({ _id: 'a', status: 'finished', lastSeq: 9, startedAt: new Date(t0) });
    expect(projectTrips(current, [pos('a', 9, { finished: true })]).updates).toEqual([]);
  });

  it('never overwrites cancelled, but still keeps the history counted', () => {
    const current = states({ _id: 'a', status: 'cancelled', lastSeq: 3, startedAt: new Date(t0) });
    const update = only(projectTrips(current, [pos('a', 4), pos('a', 5, { finished: true })]).updates);
    expect(update.finishes).toBe(false);
    expect(update.update.$set).not.toHaveProperty('status');
    expect(update.update.$set).not.toHaveProperty('finishedAt');
    expect(update.filter).toEqual({ _id: 'a', lastSeq: 3 });
    expect(update.applied).toBe(2);
    expect(update.update.$set.count).toBe(6);
  });

  it('leaves a finished trip finished when late positions arrive', () => {
    const current = states({ _id: 'a', status: 'finished', lastSeq: 3, startedAt: new Date(t0) });
    const update = only(projectTrips(current, [pos('a', 4)]).updates);
    expect(update.update.$set).not.toHaveProperty('status');
  });

  it('keeps interleaved trips apart', () => {
    const batch = [pos('a', 0), pos('b', 5), pos('a', 1), pos('c', 2), pos('b', 6, { finished: true }), pos('a', 2), pos('c', 3)];
    const current = states(
      { _id: 'b', status: 'running', lastSeq: 4, startedAt: new Date(t0) },
      { _id: 'c', status: 'running', lastSeq: 2, startedAt: new Date(t0) },
    );
    const { updates, skipped } = projectTrips(current, batch);
    expect(skipped).toBe(1);
    expect(updates.map((u) => [u.tripId, u.applied, u.lastSeq, u.finishes, u.upsert])).toEqual([
      ['a', 3, 2, false, true],
      ['b', 2, 6, true, false],
      ['c', 1, 3, false, false],
    ]);
    expect(updates[0]!.update.$setOnInsert).toMatchObject({ vehicleId: 'v-a' });
    expect(updates[1]!.update.$set).toMatchObject({ status: 'finished', lastPosition: pos('b', 6).position });
    expect(updates[2]!.update.$set).toEqual({ lastPosition: pos('c', 3).position, lastSeq: 3, lastTs: new Date(pos('c', 3).ts), count: 4 });
  });

  it('keeps count equal to distinct positions through overlapping redeliveries and a lost trip write', () => {
    const db = new Map<string, Record<string, unknown>>([['a', { _id: 'a', status: 'requested' }]]);
    const deliveries: NewPosition[][] = [
      range('a', 0, 3),
      range('a', 0, 3), // redelivered whole
      [...range('a', 2, 6), ...range('b', 0, 1)], // overlapping prefix, a second trip
      [...range('a', 5, 8), pos('a', 9, { finished: true })],
      [...range('a', 7, 8), pos('a', 9, { finished: true }), ...range('b', 0, 2)],
    ];
    let finished = 0;
    for (const batch of deliveries) {
      const { updates } = projectTrips(stateOf(db), batch);
      finished += updates.filter((u) => u.finishes).length;
      apply(db, updates);
    }
    // A crash after the positions were stored but before the trip write: the next delivery applies it once.
    const lost = projectTrips(stateOf(db), range('b', 3, 4)).updates;
    expect(lost).toHaveLength(1);
    apply(db, projectTrips(stateOf(db), range('b', 2, 4)).updates);
    apply(db, lost); // a stale, replayed write no longer matches
    expect(db.get('a')).toMatchObject({ count: 10, lastSeq: 9, status: 'finished' });
    expect(db.get('b')).toMatchObject({ count: 5, lastSeq: 4, status: 'running', routeId: 'r1' });
    expect(finished).toBe(1);
  });

  it('lets only one of two racing deliveries apply', () => {
    const db = new Map<string, Record<string, unknown>>([['a', { _id: 'a', status: 'running', lastSeq: 1, count: 2 }]]);
    const first = projectTrips(stateOf(db), range('a', 2, 4)).updates;
    const second = projectTrips(stateOf(db), range('a', 2, 4)).updates;
    apply(db, first);
    apply(db, second);
    expect(db.get('a')).toMatchObject({ count: 5, lastSeq: 4 });
  });

  it('does not let a stale status change overwrite a cancel that happened since the read', () => {
    const db = new Map<string, Record<string, unknown>>([['a', { _id: 'a', status: 'running', lastSeq: 1, count: 2 }]]);
    const updates = projectTrips(stateOf(db), [pos('a', 2, { finished: true })]).updates;
    db.get('a')!.status = 'cancelled'; // the api, between our read and our write
    apply(db, updates);
    expect(db.get('a')).toMatchObject({ status: 'cancelled', count: 2 });
    apply(db, projectTrips(stateOf(db), [pos('a', 2, { finished: true })]).updates); // the retry
    expect(db.get('a')).toMatchObject({ status: 'cancelled', count: 3, lastSeq: 2 });
  });
});

describe('nextStatus', () => {
  it.each([
    [undefined, false, 'running'],
    [undefined, true, 'finished'],
    ['requested', false, 'running'],
    ['requested', true, 'finished'],
    ['running', false, undefined],
    ['running', true, 'finished'],
    ['finished', false, undefined],
    ['finished', true, undefined],
    ['cancelled', false, undefined],
    ['cancelled', true, undefined],
    ['someday', true, undefined],
  ] as const)('from=%s finished=%s → %s', (from, finishedApplied, to) => {
    expect(nextStatus(from, finishedApplied)).toBe(to);
  });
});
