// A fleet of 200 vehicles on generated routes, and the same fleet surviving a consumer crash and a simulator restart.
import { afterAll, describe, expect, it } from 'vitest';
import { controlService } from '../src/testing';
import { allReady, api, closeDb, db, lab, waitFor } from './helpers';

afterAll(closeDb);

interface FleetProgress {
  fleetId: string;
  vehicles: number;
  trips: { requested: number; running: number; finished: number; cancelled: number };
}

async function startFleet(body: unknown): Promise<string> {
  const { status, body: fleet } = await api<{ fleetId: string }>('/fleets', { body });
  expect(status).toBe(202);
  return fleet.fleetId;
}

async function waitForFleetFinished(fleetId: string, vehicles: number, timeoutMs = 120_000): Promise<FleetProgress> {
  return waitFor(`fleet ${fleetId} finished`, async () => {
    const { body } = await api<FleetProgress>(`/fleets/${fleetId}`);
    return body.trips.finished === vehicles ? body : undefined;
  }, timeoutMs, 500);
}

/** Every trip of the fleet has exactly its route's points stored: seq 0..n-1, no gap, no duplicate. */
async function expectExactHistories(fleetId: string, vehicles: number): Promise<void> {
  const database = await db();
  const trips = await database.collection('trips').find({ fleetId }).toArray();
  expect(trips).toHaveLength(vehicles);
  const routeIds = [...new Set(trips.map((t) => t.routeId as string))];
  const routes = await database.collection('routes').find({ _id: { $in: routeIds as never[] } }).toArray();
  const pointsOf = new Map(routes.map((r) => [String(r._id), (r.points as unknown[]).length]));
  const positions = await database
    .collection('trip_positions')
    .find({ tripId: { $in: trips.map((t) => t._id) as never[] } }, { projection: { tripId: 1, seq: 1 } })
    .toArray();
  const seqsByTrip = new Map<string, number[]>();
  for (const p of positions) {
    const list = seqsByTrip.get(p.tripId as string) ?? [];
    list.push(p.seq as number);
    seqsByTrip.set(p.tripId as string, list);
  }
  const problems: string[] = [];
  for (const trip of trips) {
    const expected = pointsOf.get(trip.routeId as string) ?? -1;
    const seqs = (seqsByTrip.get(String(trip._id)) ?? []).sort((a, b) => a - b);
    const exact = seqs.length === expected && seqs.every((s, i) => s === i);
    if (!exact || trip.count !== expected || trip.status !== 'finished') {
      problems.push(`${String(trip._id)}: ${seqs.length}/${expected} stored, count ${trip.count}, ${trip.status}`);
    }
  }
  expect(problems).toEqual([]);
}

describe('a fleet', () => {
  it('drives 200 vehicles on generated routes to the end, each history exact', async () => {
    const fleetId = await startFleet({ vehicles: 200, generate: { seed: 20261125, points: 30 }, paceMs: 20 });
    const progress = await waitForFleetFinished(fleetId, 200);
    expect(progress.trips).toEqual({ requested: 0, running: 0, finished: 200, cancelled: 0 });
    await expectExactHistories(fleetId, 200);
  });

  it('loses and duplicates nothing when the consumer is killed mid-fleet and the simulator restarts', async () => {
    const { controlUrl } = lab();
    const fleetId = await startFleet({ vehicles: 100, generate: { seed: 77, points: 40 }, paceMs: 50 });
    await waitFor('positions being stored', async () => {
      const { body } = await api<FleetProgress>(`/fleets/${fleetId}`);
      return body.trips.running > 0 ? true : undefined;
    });
    // No flush, no commit: whatever the consumer had in flight is redelivered to its next incarnation.
    await controlService(controlUrl, 'consumer', 'kill');
    // A graceful stop hands running trips on through Kafka; the next simulator resumes them where they were.
    await controlService(controlUrl, 'simulator', 'stop');
    await controlService(controlUrl, 'simulator', 'start');
    await controlService(controlUrl, 'consumer', 'start');
    await waitForFleetFinished(fleetId, 100);
    await expectExactHistories(fleetId, 100);
    expect(await allReady()).toEqual({ api: 200, simulator: 200, consumer: 200 });
  });

  it('stops a fleet on request: no trip of it finishes afterwards', async () => {
    const fleetId = await startFleet({ vehicles: 20, generate: { seed: 5, points: 200 }, paceMs: 100 });
    await waitFor('the fleet running', async () => {
      const { body } = await api<FleetProgress>(`/fleets/${fleetId}`);
      return body.trips.running === 20 ? true : undefined;
    });
    const stopped = await api(`/fleets/${fleetId}`, { method: 'DELETE' });
    expect(stopped.status).toBe(202);
    const database = await db();
    const tripIds = (await database.collection('trips').find({ fleetId }).toArray()).map((t) => t._id);
    expect(tripIds).toHaveLength(20);
    const countStored = (): Promise<number> =>
      database.collection('trip_positions').countDocuments({ tripId: { $in: tripIds as never[] } });
    const before = await countStored();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const settled = await countStored();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await countStored()).toBe(settled);
    expect(settled).toBeLessThan(20 * 200);
    expect(before).toBeGreaterThan(0);
    const { body } = await api<FleetProgress>(`/fleets/${fleetId}`);
    expect(body.trips).toMatchObject({ cancelled: 20, finished: 0 });
  });
});
