// Retention against the lab's real FerretDB, in a database of its own: old finished trips, their positions, their
// fleets and their read-model entries are deleted by `_id`; young or moving ones stay; a second pass changes nothing.
import { randomBytes, randomUUID } from 'node:crypto';
import mongoose, { type Connection, type Model } from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '@fleetlab/telemetry';
import { ReadModelCollections, fleetIndexKey, fleetProgressId, fleetVehicleId } from '@fleetlab/contracts';
import { parseConfig, type AppConfig } from '../src/config';
import { FLEET_MODEL, FleetSchema, type FleetDoc } from '../src/fleets/fleet.schema';
import { fleetRef } from '../src/trips/read-model';
import { RetentionService } from '../src/trips/retention.service';
import { TripIndexService } from '../src/trips/trip-index.service';
import { ALL_TRIPS, routeKey, vehicleKey } from '../src/trips/trip-list';
import { TRIP_MODEL, TRIP_POSITION_MODEL, TripPositionSchema, TripSchema, type TripDoc, type TripPositionDoc } from '../src/trips/trip.schema';
import { TripsService } from '../src/trips/trips.service';

const DAY = 86_400_000;
let connection: Connection;
let trips: Model<TripDoc>;
let positions: Model<TripPositionDoc>;
let fleets: Model<FleetDoc>;
let index: TripIndexService;
let retention: RetentionService;

beforeAll(async () => {
  const database = `api-retention-${randomBytes(4).toString('hex')}`;
  const url = inject('lab').mongoUrl.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/, `$1/${database}`);
  connection = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  trips = connection.model(TRIP_MODEL, TripSchema);
  positions = connection.model(TRIP_POSITION_MODEL, TripPositionSchema);
  fleets = connection.model(FLEET_MODEL, FleetSchema);
  const config = parseConfig({}) as AppConfig;
  const logger = createLogger('api-test', { level: 'silent' });
  index = new TripIndexService(connection, config);
  // Only the read side of TripsService is used here: routes, Kafka and metrics are never reached.
  const tripsService = new TripsService(trips, positions, fleets, undefined as never, undefined as never, undefined as never, config, index, logger);
  retention = new RetentionService(trips, positions, fleets, index, tripsService, config, logger);
});

afterAll(async () => {
  await connection?.dropDatabase();
  await connection?.close();
});

/** A trip as the api and the consumer leave it, listed as POST /trips lists it, with `points` positions stored. */
async function singleTrip(routeId: string, status: TripDoc['status'], endedAt: Date, points: number): Promise<string> {
  const tripId = randomUUID();
  const vehicleId = `v-${tripId.slice(0, 8)}`;
  await trips.collection.insertOne({
    _id: tripId as never, routeId, vehicleId, clientId: '', status, requestedAt: endedAt, finishedAt: endedAt, count: points, total: points, paceMs: 100,
  });
  const entries = [
    ...(await index.append(ALL_TRIPS, [tripId])),
    ...(await index.append(routeKey(routeId), [tripId])),
    ...(await index.append(vehicleKey(vehicleId), [tripId])),
  ];
  await trips.collection.updateOne({ _id: tripId as never }, { $set: { indexEntries: entries } });
  await storePositions(tripId, routeId, vehicleId, points);
  return tripId;
}

async function storePositions(tripId: string, routeId: string, vehicleId: string, points: number): Promise<void> {
  await positions.collection.insertMany(
    Array.from({ length: points }, (_, seq) => ({ _id: `${tripId}:${seq}` as never, tripId, seq, position: [seq, 0], ts: new Date(), routeId, vehicleId, storedAt: new Date() })),
  );
}

describe('retention', () => {
  it('prunes old finished trips and fleets with everything that lists them, oldest first, and stops at a young one', async () => {
    const old = new Date(Date.now() - 10 * DAY);
    // A finished fleet of 3 vehicles on route r1, as FleetsService.create and the consumer leave it.
    const fleetId = randomUUID();
    await fleets.collection.insertOne({ _id: fleetId as never, vehicles: 3, paceMs: 100, routeIds: ['r1'], status: 'running', createdAt: old });
    const fleetEntries = [...(await index.append(ALL_TRIPS, [fleetRef(fleetId)], 3)), ...(await index.append(routeKey('r1'), [fleetRef(fleetId)], 3))];
    await fleets.collection.updateOne({ _id: fleetId as never }, { $set: { indexEntries: fleetEntries } });
    const fleetTrips = [0, 1, 2].map(() => randomUUID());
    await trips.collection.insertMany(
      fleetTrips.map((id, i) => ({ _id: id as never, routeId: 'r1', vehicleId: fleetVehicleId(fleetId, i), clientId: '', fleetId, status: 'finished', requestedAt: old, finishedAt: old, count: 2, total: 2, paceMs: 100 })),
    );
    await index.setFleetSlots(fleetId, 0, fleetTrips);
    await connection.collection(ReadModelCollections.fleetProgress).insertOne({ _id: fleetProgressId(fleetId, 0) as never, running: { 0: 1, 1: 1, 2: 1 }, finished: { 0: 1, 1: 1, 2: 1 } });
    for (const [i, id] of fleetTrips.entries()) await storePositions(id, 'r1', fleetVehicleId(fleetId, i), 2);

    const oldTrip = await singleTrip('r1', 'finished', old, 3);
    const youngTrip = await singleTrip('r1', 'finished', new Date(), 3);
    const afterYoung = await singleTrip('r1', 'finished', old, 3);
    expect(await index.head(ALL_TRIPS)).toEqual({ entries: 4, trips: 6 });

    const pass = await retention.prune(new Date(Date.now() - 7 * DAY));
    expect(pass).toEqual({ trips: 4, positions: 3 * 2 + 3, fleets: 1 });
    for (const id of [...fleetTrips, oldTrip]) expect(await trips.exists({ _id: id })).toBeNull();
    expect(await positions.countDocuments({ tripId: { $in: [...fleetTrips, oldTrip] } })).toBe(0);
    expect(await fleets.exists({ _id: fleetId })).toBeNull();
    expect(await connection.collection(ReadModelCollections.fleetProgress).countDocuments({ _id: fleetProgressId(fleetId, 0) as never })).toBe(0);
    expect(await index.head(fleetIndexKey(fleetId))).toEqual({ entries: 0, trips: 0 });
    // Listed no more: the heads count what is left, the slots are empty.
    expect(await index.head(ALL_TRIPS)).toEqual({ entries: 4, trips: 2 });
    expect(await index.head(routeKey('r1'))).toEqual({ entries: 4, trips: 2 });
    expect([...(await index.slots(ALL_TRIPS, 0, 4)).values()]).toEqual([youngTrip, afterYoung]);
    // The young trip holds the line: what comes after it waits for the next passes.
    expect(await trips.exists({ _id: youngTrip })).not.toBeNull();
    expect(await trips.exists({ _id: afterYoung })).not.toBeNull();
    expect(await positions.countDocuments({ tripId: youngTrip })).toBe(3);

    expect(await retention.prune(new Date(Date.now() - 7 * DAY))).toEqual({ trips: 0, positions: 0, fleets: 0 });
    // Once it is old enough, both go.
    expect(await retention.prune(new Date(Date.now() + DAY))).toMatchObject({ trips: 2, positions: 6 });
    expect(await index.head(ALL_TRIPS)).toEqual({ entries: 4, trips: 0 });
  });
});
