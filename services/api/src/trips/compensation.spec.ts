// When a trip or a fleet cannot be started and taking back what was written fails too, the api says so in a log
// line naming the trip or fleet and what is left behind. Fakes stand in for MongoDB and Kafka: the failure is theirs.
import { describe, expect, it } from 'vitest';
import { RoadLedger } from '../admission/road-ledger';
import { FleetsService } from '../fleets/fleets.service';
import { TripsService } from './trips.service';

const config = { API_MAX_VEHICLES_ON_ROAD: 1_000, DEFAULT_PACE_MS: 100, API_DB_TIMEOUT_MS: 1_000, FLEET_TRACED_TRIPS: 0 };
const routes = { pointCounts: async (ids: string[]) => new Map(ids.map((id) => [id, 10])) };
const index = { append: async () => [], setFleetSlots: async () => undefined };
const metrics = { tripsStarted: { inc: () => undefined } };
const collection = { insertOne: async () => undefined, insertMany: async () => undefined, updateOne: async () => undefined };
const kafkaDown = { assertConnected: () => undefined, send: async () => Promise.reject(new Error('broker gone')) };

function recordingLogger(): { logger: unknown; errors: Array<{ fields: Record<string, unknown>; msg: string }> } {
  const errors: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  const ignore = (): void => undefined;
  return { errors, logger: { error: (fields: Record<string, unknown>, msg: string) => errors.push({ fields, msg }), warn: ignore, info: ignore, debug: ignore } };
}

describe('a failed start whose compensation fails too', () => {
  it('logs the trip left requested when deleting it fails', async () => {
    const { logger, errors } = recordingLogger();
    const trips = { collection, deleteOne: () => Promise.reject(new Error('database gone')) };
    const service = new TripsService(trips as never, {} as never, {} as never, routes as never, kafkaDown as never, metrics as never, config as never, index as never, logger as never);

    await expect(service.start({ routeId: '1', clientId: '', source: 'http' })).rejects.toThrow('broker gone');

    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/stays requested/);
    expect(errors[0]!.fields).toMatchObject({ tripId: expect.any(String), sendError: 'Error: broker gone' });
    expect(String(errors[0]!.fields.err)).toContain('database gone');
  });

  it('logs the fleet left running when cancelling it fails', async () => {
    const { logger, errors } = recordingLogger();
    const tripsService = { road: new RoadLedger(1_000), fleetDoc: async () => Promise.reject(new Error('database gone')) };
    const service = new FleetsService(
      { collection } as never,
      { collection } as never,
      routes as never,
      tripsService as never,
      kafkaDown as never,
      metrics as never,
      config as never,
      index as never,
      logger as never,
    );

    await expect(service.create({ vehicles: 2, routeIds: ['1'] } as never)).rejects.toThrow('broker gone');

    const notCancelled = errors.find((e) => /not cancelled/.test(e.msg));
    expect(notCancelled?.fields).toMatchObject({ fleetId: expect.any(String) });
    expect(String(notCancelled?.fields.err)).toContain('database gone');
  });
});
