import { randomBytes } from 'node:crypto';
import { MongoClient, MongoServerError, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NewPosition } from '@fleetlab/contracts';
import { POSITIONS_UNIQUE_INDEX, PositionStore } from '../src/position-store';

const t0 = Date.parse('2026-11-25T10:00:00.000Z');

function pos(tripId: string, seq: number, extra: Partial<NewPosition> = {}): NewPosition {
  return {
    routeId: 'r1',
    clientId: '',
    position: [-47.9 + seq / 1000, -15.8],
    finished: false,
    tripId,
    vehicleId: `v-${tripId}`,
    seq,
    ts: new Date(t0 + seq * 500).toISOString(),
    ...extra,
  };
}

const range = (tripId: string, from: number, to: number): NewPosition[] =>
  Array.from({ length: to - from + 1 }, (_, i) => pos(tripId, from + i));

let client: MongoClient;
let db: Db;
let store: PositionStore;
let next = 0;
/** A trip id of its own per test, so tests share one database without seeing each other. */
const tripId = (): string => `trip-${++next}`;

beforeAll(async () => {
  // One database per run, dropped after: the lab's database is shared with the services.
  const database = `consumer-test-${randomBytes(4).toString('hex')}`;
  const url = inject('lab').mongoUrl.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/, `$1/${database}`);
  client = await new MongoClient(url, { serverSelectionTimeoutMS: 10_000 }).connect();
  db = client.db(database);
  store = new PositionStore(db);
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

describe('PositionStore', () => {
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
