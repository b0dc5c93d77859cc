// A fleet of 200 vehicles on generated routes, and the same fleet surviving a consumer crash and a simulator restart.
import { afterAll, describe, expect, it } from 'vitest';
import { controlService } from '../src/testing';
import {
  allReady,
  api,
  closeDb,
  db,
  expectExactHistories,
  lab,
  waitFor,
  waitForFleetFinished,
  waitForGroupCaughtUp,
  type FleetProgress,
} from './helpers';

afterAll(closeDb);

async function startFleet(body: unknown): Promise<string> {
  const { status, body: fleet } = await api<{ fleetId: string }>('/fleets', { body });
  expect(status).toBe(202);
  return fleet.fleetId;
}

describe('a fleet', () => {
  it('drives 200 vehicles on generated routes to the end, each history exact', async () => {
    const fleetId = await startFleet({ vehicles: 200, generate: { seed: 20261125, points: 30 }, paceMs: 20 });
    const progress = await waitForFleetFinished(fleetId, 120_000);
    expect(progress.trips).toEqual({ requested: 0, running: 0, finished: 200, cancelled: 0 });
    await expectExactHistories(fleetId, { vehicles: 200 });
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
    await waitForFleetFinished(fleetId, 120_000);
    await expectExactHistories(fleetId, { vehicles: 100 });
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
    // Settled: with everything Kafka holds stored, the count stays put while a trip still playing (200 points at
    // 100 ms) would have published 20 more in a 2 s window. Other tests' trips may keep the simulator busy, so its
    // idleness is no condition here; the fleet's own stored count is.
    const settled = await waitFor('the fleet to store no more positions over 2 s, with the consumer caught up', async () => {
      await waitForGroupCaughtUp('consumer', 'route.new-position');
      const first = await countStored();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await waitForGroupCaughtUp('consumer', 'route.new-position');
      const second = await countStored();
      return first === second ? second : undefined;
    }, 90_000);
    expect(settled).toBeLessThan(20 * 200);
    expect(before).toBeGreaterThan(0);
    const { body } = await api<FleetProgress>(`/fleets/${fleetId}`);
    expect(body.trips).toMatchObject({ cancelled: 20, finished: 0 });
    const finished = await database.collection('trips').countDocuments({ fleetId, status: 'finished' });
    expect(finished).toBe(0);
  }, 240_000);
});
