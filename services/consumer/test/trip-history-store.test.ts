import { randomBytes } from 'node:crypto';
import { MongoClient, MongoServerError, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NewPosition } from '@fleetlab/contracts';
import { POSITIONS_UNIQUE_INDEX, TripHistoryStore } from '../src/trip-history-store';
import { pos, range, t0 } from './positions';

let client: MongoClient;
let db: Db;
let store: TripHistoryStore;
let next = 0;
/** A trip id of its own per test, so tests share one database without seeing each other. */
const tripId = (): string => `trip-${++next}`;

beforeAll(async () => {
  // One database per run, dropped after: the lab's database is shared with the services.
  const database = `consumer-test-${randomBytes(4).toString('hex')}`;
  const url = inject('lab').mongoUrl.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/, `$1/${database}`);
  client = await new MongoClient(url, { serverSelectionTimeoutMS: 10_000 }).connect();
  db = client.db(database);
  // Progress written with every batch: these tests are about what each batch leaves stored.
  store = new TripHistoryStore(db, { progressIntervalMs: 0 });
  await store.ensureIndexes();
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

async function history(id: string): Promise<number[]> {
  const docs = await store.positions.find({ tripId: id }).sort({ seq: 1 }).toArray();
  return docs.map((d) => d.seq);
}

describe('TripHistoryStore', () => {
  it('has the unique index on (tripId, seq)', async () => {
    const indexes = await store.positions.indexes();
    expect(indexes.find((i) => i.name === POSITIONS_UNIQUE_INDEX)).toMatchObject({ key: { tripId: 1, seq: 1 }, unique: true });
    await store.ensureIndexes(); // idempotent at every start
    const id = tripId();
    await store.storeBatch([pos(id, 0)]);
    // Another _id for the same (tripId, seq) is still refused: the index, not only the _id, guards history.
    const copy = { ...(await store.positions.findOne({ tripId: id }))!, _id: `${id}:copy` };
    await expect(store.positions.insertOne(copy)).rejects.toSatisfy((e) => e instanceof MongoServerError && e.code === 11000);
  });

  it('stores the same batch twice without changing history or count', async () => {
    const id = tripId();
    const batch = range(id, 0, 4);
    expect(await store.storeBatch(batch)).toMatchObject({ stored: 5, duplicates: 0, finished: 0 });
    const before = await store.trips.findOne({ _id: id });
    expect(before).toMatchObject({
      status: 'running',
      count: 5,
      lastSeq: 4,
      lastPosition: pos(id, 4).position,
      lastTs: new Date(pos(id, 4).ts),
      startedAt: new Date(pos(id, 0).ts),
      routeId: 'r1',
      vehicleId: `v-${id}`,
      clientId: '',
    });

    expect(await store.storeBatch(batch)).toMatchObject({ stored: 0, duplicates: 5, finished: 0, lagSeconds: [] });
    expect(await history(id)).toEqual([0, 1, 2, 3, 4]);
    expect(await store.trips.findOne({ _id: id })).toEqual(before);
  });

  it('counts only the new positions of a batch that starts with an already stored prefix', async () => {
    const id = tripId();
    await store.storeBatch(range(id, 0, 2));
    const result = await store.storeBatch(range(id, 0, 5));
    expect(result).toMatchObject({ stored: 3, duplicates: 3 });
    expect(result.lagSeconds).toHaveLength(3);
    expect(await history(id)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await store.trips.findOne({ _id: id })).toMatchObject({ count: 6, lastSeq: 5 });
  });

  it('counts positions stored before a crash that came before the trip update', async () => {
    const id = tripId();
    await store.storeBatch(range(id, 0, 1));
    // As if the process died between the two writes of the next batch.
    await store.positions.insertMany(
      range(id, 2, 3).map((p) => ({ ...p, _id: `${id}:${p.seq}`, ts: new Date(p.ts), storedAt: new Date() })),
    );
    expect(await store.storeBatch(range(id, 2, 4))).toMatchObject({ stored: 1, duplicates: 2 });
    expect(await store.trips.findOne({ _id: id })).toMatchObject({ count: 5, lastSeq: 4 });
  });

  it('moves a requested trip to running, then finished once, keeping what the api wrote', async () => {
    const id = tripId();
    const requestedAt = new Date(t0 - 1000);
    await store.trips.insertOne({ _id: id, routeId: 'r1', vehicleId: 'v', clientId: 'sock', status: 'requested', requestedAt, total: 3 });
    await store.storeBatch(range(id, 0, 1));
    expect(await store.trips.findOne({ _id: id })).toMatchObject({ status: 'running', clientId: 'sock', requestedAt, count: 2 });

    const last = [pos(id, 1), pos(id, 2, { finished: true, total: 3 })];
    expect(await store.storeBatch(last)).toMatchObject({ stored: 1, finished: 1 });
    expect(await store.storeBatch(last)).toMatchObject({ stored: 0, finished: 0 });
    expect(await store.trips.findOne({ _id: id })).toMatchObject({
      status: 'finished',
      finishedAt: new Date(pos(id, 2).ts),
      count: 3,
      total: 3,
      lastSeq: 2,
    });
  });

  it('keeps a cancelled trip cancelled while still storing its late positions', async () => {
    const id = tripId();
    await store.trips.insertOne({ _id: id, routeId: 'r1', vehicleId: 'v', clientId: '', status: 'cancelled' });
    expect(await store.storeBatch([pos(id, 0), pos(id, 1, { finished: true })])).toMatchObject({ stored: 2, finished: 0 });
    const trip = await store.trips.findOne({ _id: id });
    expect(trip).toMatchObject({ status: 'cancelled', count: 2, lastSeq: 1 });
    expect(trip).not.toHaveProperty('finishedAt');
  });

  it('updates 240 trips from one batch: more statements than one FerretDB update command survives', async () => {
    const ids = Array.from({ length: 240 }, () => tripId());
    const batch = ids.flatMap((id) => [pos(id, 0), pos(id, 1)]);
    expect(await store.storeBatch(batch)).toMatchObject({ stored: 480, duplicates: 0 });
    const trips = await store.trips.find({ _id: { $in: ids } }).toArray();
    expect(trips).toHaveLength(240);
    expect(trips.every((t) => t.count === 2 && t.lastSeq === 1)).toBe(true);
  });

  it('stores interleaved trips and a repeated position in one batch', async () => {
    const [a, b] = [tripId(), tripId()];
    const batch = [pos(a, 0), pos(b, 0), pos(a, 1), pos(a, 1), pos(b, 1, { fleetId: 'f1' }), pos(a, 2)];
    expect(await store.storeBatch(batch)).toMatchObject({ stored: 5, duplicates: 1 });
    expect(await store.trips.findOne({ _id: a })).toMatchObject({ count: 3, lastSeq: 2 });
    expect(await store.trips.findOne({ _id: b })).toMatchObject({ count: 2, lastSeq: 1 });
  });

  it('applies a batch delivered twice at the same time only once', async () => {
    const ids = [tripId(), tripId(), tripId()];
    const batch = ids.flatMap((id) => range(id, 0, 9));
    const results = await Promise.all([store.storeBatch(batch), store.storeBatch(batch), store.storeBatch(batch)]);
    expect(results.reduce((sum, r) => sum + r.stored, 0)).toBe(30);
    for (const id of ids) {
      expect(await history(id)).toHaveLength(10);
      expect(await store.trips.findOne({ _id: id })).toMatchObject({ count: 10, lastSeq: 9 });
    }
  });
});

describe('TripHistoryStore progress and restarts', () => {
  const interval = 5_000;
  let clock = t0;
  const deferring = (): TripHistoryStore => new TripHistoryStore(db, { progressIntervalMs: interval, now: () => clock });

  it('writes status changes with their batch and running progress at most once per interval', async () => {
    const s = deferring();
    const [a, b] = [tripId(), tripId()];
    await s.storeBatch(range(a, 0, 1)); // starts: written at once
    expect(await store.trips.findOne({ _id: a })).toMatchObject({ status: 'running', lastSeq: 1, count: 2 });

    clock += 1_000;
    expect(await s.storeBatch(range(a, 2, 3))).toMatchObject({ stored: 2 });
    expect(await history(a)).toEqual([0, 1, 2, 3]); // the history is stored now...
    expect(await store.trips.findOne({ _id: a })).toMatchObject({ lastSeq: 1, count: 2 }); // ...the progress waits

    clock += interval;
    await s.storeBatch(range(b, 0, 0)); // another trip's batch carries a's progress once it is due
    expect(await store.trips.findOne({ _id: a })).toMatchObject({ status: 'running', lastSeq: 3, count: 4, lastPosition: pos(a, 3).position });

    clock += 1_000;
    expect(await s.storeBatch([pos(a, 4), pos(a, 5, { finished: true })])).toMatchObject({ finished: 1 }); // never deferred
    expect(await store.trips.findOne({ _id: a })).toMatchObject({ status: 'finished', lastSeq: 5, count: 6 });
  });

  it('writes the progress still waiting at flush', async () => {
    const s = deferring();
    const id = tripId();
    await s.storeBatch(range(id, 0, 0));
    await s.storeBatch(range(id, 1, 6));
    expect(await store.trips.findOne({ _id: id })).toMatchObject({ lastSeq: 0 });
    await s.flush();
    expect(await store.trips.findOne({ _id: id })).toMatchObject({ lastSeq: 6, count: 7 });
  });

  it('picks up after a restart: a trip it never saw mid-way is read, a redelivered start is no guess that sticks', async () => {
    const [mid, redelivered] = [tripId(), tripId()];
    await store.storeBatch(range(mid, 0, 4));
    await store.storeBatch(range(redelivered, 0, 4));

    const restarted = deferring();
    expect(await restarted.storeBatch(range(mid, 3, 7))).toMatchObject({ stored: 3, duplicates: 2 });
    // Seq 0 looks like a new trip; the stored one is further on, so the guessed update conflicts and is re-read.
    expect(await restarted.storeBatch(range(redelivered, 0, 6))).toMatchObject({ stored: 2, duplicates: 5 });
    expect(await store.trips.findOne({ _id: mid })).toMatchObject({ status: 'running', lastSeq: 7, count: 8 });
    expect(await store.trips.findOne({ _id: redelivered })).toMatchObject({ status: 'running', lastSeq: 6, count: 7 });
  });

  it('does not finish a trip the api cancelled after the store last wrote it', async () => {
    const s = deferring();
    const id = tripId();
    await s.storeBatch(range(id, 0, 1));
    await store.trips.updateOne({ _id: id }, { $set: { status: 'cancelled' } });
    clock += interval;
    expect(await s.storeBatch([pos(id, 2), pos(id, 3, { finished: true })])).toMatchObject({ stored: 2, finished: 0 });
    expect(await store.trips.findOne({ _id: id })).toMatchObject({ status: 'cancelled', lastSeq: 3, count: 4 });
  });

  it('reads a trip again once it fell out of what the store keeps, and writes it right', async () => {
    const s = new TripHistoryStore(db, { progressIntervalMs: 0, maxKnownTrips: 1, now: () => clock });
    const [a, b] = [tripId(), tripId()];
    for (let round = 0; round < 3; round++) {
      await s.storeBatch(range(a, round * 2, round * 2 + 1));
      await s.storeBatch(range(b, round * 2, round * 2 + 1)); // forgets a
    }
    expect(await store.trips.findOne({ _id: a })).toMatchObject({ status: 'running', lastSeq: 5, count: 6 });
    expect(await store.trips.findOne({ _id: b })).toMatchObject({ status: 'running', lastSeq: 5, count: 6 });
  });

  it("records a fleet trip's status in its fleet's progress document, and again from a redelivery after a crash", async () => {
    const fleetId = `fleet-${tripId()}`;
    const id = tripId();
    const v = (seq: number, extra: Partial<NewPosition> = {}): NewPosition => pos(id, seq, { fleetId, vehicleId: `${fleetId}-v1234`, ...extra });
    const progress = db.collection<{ _id: string }>('fleet_progress');
    await store.storeBatch([v(0), v(1)]);
    // Vehicle 1234 is slot 234 of block 1.
    expect(await progress.findOne({ _id: `${fleetId}#1` })).toEqual({ _id: `${fleetId}#1`, running: { '234': 1 } });
    await store.storeBatch([v(2, { finished: true, total: 3 })]);
    expect(await progress.findOne({ _id: `${fleetId}#1` })).toEqual({ _id: `${fleetId}#1`, running: { '234': 1 }, finished: { '234': 1 } });
    // A crash after the trip's write and before its fleet's record: the next consumer reads the trip and records it.
    await progress.deleteOne({ _id: `${fleetId}#1` });
    const next = new TripHistoryStore(db, { progressIntervalMs: 0 });
    await next.storeBatch([v(1), v(2, { finished: true, total: 3 })]);
    expect(await progress.findOne({ _id: `${fleetId}#1` })).toEqual({ _id: `${fleetId}#1`, finished: { '234': 1 } });
    expect(await history(id)).toEqual([0, 1, 2]);
  });
});
