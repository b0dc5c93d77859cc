// Bad input gets a clear error and loses nothing: HTTP 400s naming the field, dead-lettered Kafka messages.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { allReady, api, closeDb, db, produce, readTopic, storedHistory, waitFor, waitForTripStatus } from './helpers';

afterAll(closeDb);

interface BadRequest {
  statusCode: number;
  message: string;
  fields: Array<{ field: string; message: string }>;
}

describe('HTTP bad input', () => {
  const cases: Array<[string, string, unknown, string]> = [
    ['a trip without routeId', '/trips', {}, 'routeId'],
    ['a trip with a numeric routeId', '/trips', { routeId: 2 }, 'routeId'],
    ['a trip with a negative pace', '/trips', { routeId: '2', paceMs: -5 }, 'paceMs'],
    ['a route with one point', '/routes', { title: 'short', points: [[-47.9, -15.8]] }, 'points'],
    ['a route with a latitude out of range', '/routes', { title: 'far', points: [[-47.9, -15.8], [-47.9, 95]] }, 'points.1.1'],
    ['a route whose geometry is not a LineString', '/routes', { title: 'x', geometry: { type: 'Point', coordinates: [1, 2] } }, 'geometry'],
    ['a fleet of zero vehicles', '/fleets', { vehicles: 0 }, 'vehicles'],
    ['a fleet too large', '/fleets', { vehicles: 1_000_000 }, 'vehicles'],
    ['a generator without seed', '/routes/generate', { count: 3 }, 'seed'],
  ];
  it.each(cases)('%s → 400 naming %s', async (_name, path, body, field) => {
    const { status, body: error } = await api<BadRequest>(path, { body });
    expect(status).toBe(400);
    // The field itself or a part of it, e.g. `geometry.type` for a geometry of the wrong type.
    const named = error.fields.map((f) => f.field).filter((f) => f === field || f.startsWith(`${field}.`));
    expect(named, JSON.stringify(error.fields)).not.toEqual([]);
    expect(error.message).toContain(named[0]);
  });

  it('malformed JSON → 400, not 500', async () => {
    const { status } = await api('/trips', { body: '{"routeId": ' });
    expect(status).toBe(400);
  });

  it('an unknown route → 404, and nothing is produced or stored', async () => {
    const routeId = `no-such-route-${randomUUID()}`;
    const { status } = await api('/trips', { body: { routeId } });
    expect(status).toBe(404);
    expect(await (await db()).collection('trips').countDocuments({ routeId })).toBe(0);
    // Everything produced so far is read; none of it names the unknown route.
    const marker = randomUUID();
    const started = await api<{ tripId: string }>('/trips', { body: { routeId: '3', vehicleId: marker, paceMs: 1 } });
    const directions = await readTopic('route.new-direction', (messages) => messages.some((m) => m.key === started.body.tripId));
    expect(directions.filter((m) => m.value?.includes(routeId))).toEqual([]);
  });

  it('unknown trips and fleets → 404', async () => {
    expect((await api(`/trips/${randomUUID()}`)).status).toBe(404);
    expect((await api(`/fleets/${randomUUID()}`)).status).toBe(404);
    expect((await api('/routes/nope')).status).toBe(404);
  });
});

describe('invalid Kafka messages', () => {
  it('go to the dead-letter topics with a reason, while the valid ones around them are processed', async () => {
    const run = randomUUID();
    const goodTrip = `trip-${run}`;
    const directTrip = `direct-${run}`;
    const validPosition = (seq: number, finished: boolean): string =>
      JSON.stringify({
        routeId: '2', clientId: '', position: [-47.9 + seq / 1000, -15.8], finished,
        tripId: directTrip, vehicleId: `v-${run}`, seq, ts: new Date().toISOString(), total: 3,
      });

    await produce('route.new-direction', [
      { key: `bad-1-${run}`, value: 'not json at all' },
      { key: `bad-2-${run}`, value: JSON.stringify({ clientId: '', tripId: `bad-2-${run}`, vehicleId: 'v' }) },
      { key: `bad-3-${run}`, value: JSON.stringify({ clientId: '', routeId: 2, tripId: `bad-3-${run}`, vehicleId: 'v' }) },
      { key: `bad-4-${run}`, value: JSON.stringify({ clientId: '', routeId: `missing-${run}`, tripId: `bad-4-${run}`, vehicleId: 'v' }) },
      { key: goodTrip, value: JSON.stringify({ clientId: '', routeId: '2', tripId: goodTrip, vehicleId: `v-${run}`, paceMs: 5 }) },
    ]);
    await produce('route.new-position', [
      { key: directTrip, value: validPosition(0, false) },
      { key: `bad-5-${run}`, value: '{"routeId": "2", "position": ' },
      { key: `bad-6-${run}`, value: JSON.stringify({ routeId: '2', clientId: '', position: 'here', finished: false, tripId: `bad-6-${run}`, vehicleId: 'v', seq: 0, ts: 'now' }) },
      { key: directTrip, value: validPosition(1, false) },
      { key: `bad-7-${run}`, value: null },
      { key: directTrip, value: validPosition(2, true) },
    ]);

    const directionDlq = await readTopic('route.new-direction.dlq', (m) => m.filter((x) => x.key?.endsWith(run)).length >= 4);
    const reasons = Object.fromEntries(
      directionDlq.filter((m) => m.key?.endsWith(run)).map((m) => [m.key!.split('-').slice(0, 2).join('-'), m.headers['fleetlab-dlq-reason']]),
    );
    expect(reasons['bad-1']).toMatch(/JSON/);
    expect(reasons['bad-2']).toMatch(/routeId/);
    expect(reasons['bad-3']).toMatch(/routeId/);
    expect(reasons['bad-4']).toMatch(/route/);

    const positionDlq = await readTopic('route.new-position.dlq', (m) => m.filter((x) => x.key?.endsWith(run)).length >= 3);
    const positionReasons = positionDlq.filter((m) => m.key?.endsWith(run));
    expect(positionReasons.map((m) => m.headers['fleetlab-dlq-source-topic'])).toEqual(
      expect.arrayContaining(['route.new-position', 'route.new-position', 'route.new-position']),
    );
    const byKey = Object.fromEntries(positionReasons.map((m) => [m.key!.split('-').slice(0, 2).join('-'), m.headers['fleetlab-dlq-reason']]));
    expect(byKey['bad-5']).toMatch(/JSON/);
    expect(byKey['bad-6']).toMatch(/position/);
    expect(byKey['bad-7']).toMatch(/empty/);

    // The valid direction among the bad ones became a real trip; the valid positions were stored.
    const history = await waitFor('the good trip stored', async () => {
      const h = await storedHistory(goodTrip);
      return h.length === 40 ? h : undefined;
    });
    expect(history.map((h) => h.seq)).toEqual([...Array(40).keys()]);
    await waitForTripStatus(directTrip, 'finished');
    expect((await storedHistory(directTrip)).map((h) => h.seq)).toEqual([0, 1, 2]);
    expect(await allReady()).toEqual({ api: 200, simulator: 200, consumer: 200 });
  });

  it('a redelivered event changes nothing', async () => {
    const tripId = `redelivered-${randomUUID()}`;
    const events = [0, 1, 2, 3].map((seq) => ({
      key: tripId,
      value: JSON.stringify({
        routeId: '1', clientId: '', position: [-47.9, -15.8 - seq / 1000], finished: seq === 3,
        tripId, vehicleId: 'v-redelivered', seq, ts: new Date(Date.now() + seq).toISOString(), total: 4,
      }),
    }));
    await produce('route.new-position', events);
    const first = await waitForTripStatus(tripId, 'finished');
    // The same events again, as a consumer restart after a crash before commit would deliver them.
    await produce('route.new-position', [...events.slice(1), ...events]);
    const marker = `marker-${randomUUID()}`;
    // Keyed like the trip, so it lands behind the redelivered events in the same partition.
    await produce('route.new-position', [{ key: tripId, value: JSON.stringify({
      routeId: '1', clientId: '', position: [-47.9, -15.8], finished: true, tripId: marker, vehicleId: 'v', seq: 0,
      ts: new Date().toISOString(), total: 1,
    }) }]);
    await waitForTripStatus(marker, 'finished');
    const again = await waitForTripStatus(tripId, 'finished');
    expect(again.count).toBe(4);
    expect(again.count).toBe(first.count);
    expect((await storedHistory(tripId)).map((h) => h.seq)).toEqual([0, 1, 2, 3]);
  });
});
