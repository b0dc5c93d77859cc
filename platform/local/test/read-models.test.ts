// The api's reads served from read models addressed by `_id` (docs/architecture.md, "Read models"), its admission
// caps and database timeouts, and the indexes the services create, against the lab's real FerretDB.
import { afterAll, describe, expect, it } from 'vitest';
import { api, closeDb, db, lab, waitFor } from './helpers';

afterAll(closeDb);

interface Trip {
  tripId: string;
  routeId: string;
  vehicleId: string;
  fleetId?: string;
  status: string;
  count: number;
}
interface TripList {
  items: Trip[];
  total: number;
}

describe('trip reads over the read models', () => {
  let fleetId = '';
  let routeIds: string[] = [];

  it('lists, filters, pages and counts a finished fleet', async () => {
    const created = await api<{ fleetId: string; routeIds: string[] }>('/fleets', {
      body: { vehicles: 30, generate: { seed: 4242, points: 10 }, paceMs: 20 },
    });
    expect(created.status).toBe(202);
    ({ fleetId, routeIds } = created.body);
    expect(routeIds).toHaveLength(30);
    await waitFor('the fleet finished', async () => {
      const { body } = await api<{ trips: Record<string, number> }>(`/fleets/${fleetId}`);
      return body.trips.finished === 30 ? true : undefined;
    }, 120_000, 500);

    const page = await api<TripList>(`/trips?fleetId=${fleetId}&limit=10`);
    expect(page.body.total).toBe(30);
    // Newest first: the highest vehicle first.
    expect(page.body.items.map((t) => t.vehicleId)).toEqual(Array.from({ length: 10 }, (_, i) => `${fleetId}-v${29 - i}`));
    const last = await api<TripList>(`/trips?fleetId=${fleetId}&limit=10&offset=25`);
    expect(last.body.items.map((t) => t.vehicleId)).toEqual([4, 3, 2, 1, 0].map((i) => `${fleetId}-v${i}`));

    expect((await api<TripList>(`/trips?fleetId=${fleetId}&status=finished&limit=1`)).body.total).toBe(30);
    expect((await api<TripList>(`/trips?fleetId=${fleetId}&status=running`)).body).toEqual({ items: [], total: 0 });
    const onRoute = await api<TripList>(`/trips?fleetId=${fleetId}&routeId=${routeIds[7]}`);
    expect(onRoute.body.total).toBe(1);
    expect(onRoute.body.items[0]).toMatchObject({ vehicleId: `${fleetId}-v7`, routeId: routeIds[7], status: 'finished', count: 10 });

    // The same trip through the vehicle and route lists, where the fleet is one entry.
    const byVehicle = await api<TripList>(`/trips?vehicleId=${fleetId}-v7`);
    expect(byVehicle.body.items.map((t) => t.tripId)).toEqual([onRoute.body.items[0]!.tripId]);
    expect(byVehicle.body.total).toBe(1);
    const byRoute = await api<TripList>(`/trips?routeId=${routeIds[7]}`);
    expect(byRoute.body.items.map((t) => t.tripId)).toContain(onRoute.body.items[0]!.tripId);
    expect((await api<TripList>(`/trips?routeId=${routeIds[7]}&status=running`)).body.items.map((t) => t.tripId)).not.toContain(
      onRoute.body.items[0]!.tripId,
    );
  });

  it('lists a single trip first, by route and by vehicle, and serves its history by position ids', async () => {
    const vehicleId = `read-models-${Date.now()}`;
    const started = await api<{ tripId: string }>('/trips', { body: { routeId: routeIds[3], vehicleId, paceMs: 20 } });
    expect(started.status).toBe(202);
    const { tripId } = started.body;
    expect((await api<TripList>('/trips?limit=1')).body.items.map((t) => t.tripId)).toEqual([tripId]);
    expect((await api<TripList>(`/trips?vehicleId=${vehicleId}`)).body).toMatchObject({ total: 1, items: [{ tripId, vehicleId }] });
    expect((await api<TripList>(`/trips?routeId=${routeIds[3]}&limit=1`)).body.items.map((t) => t.tripId)).toEqual([tripId]);
    await waitFor('the trip finished', async () => {
      const { body } = await api<Trip>(`/trips/${tripId}`);
      return body.status === 'finished' ? true : undefined;
    });
    expect((await api<TripList>(`/trips?vehicleId=${vehicleId}&status=finished`)).body.total).toBe(1);
    expect((await api<TripList>(`/trips?vehicleId=${vehicleId}&status=running`)).body.total).toBe(0);

    const history = await api<{ tripId: string; positions: Array<{ seq: number; position: [number, number]; ts: string }> }>(
      `/trips/${tripId}/positions`,
    );
    const stored = await (await db()).collection('trip_positions').find({ tripId }).sort({ seq: 1 }).toArray();
    expect(history.body.positions).toEqual(
      stored.map((p) => ({ seq: p.seq, position: p.position, ts: (p.ts as Date).toISOString() })),
    );
    expect(history.body.positions.map((p) => p.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('counts a cancelled trip of a fleet in the fleet, and the fleet cancel answers from its progress', async () => {
    const created = await api<{ fleetId: string }>('/fleets', { body: { vehicles: 5, generate: { seed: 4243, points: 400 }, paceMs: 200 } });
    const id = created.body.fleetId;
    const { body } = await api<TripList>(`/trips?fleetId=${id}&vehicleId=${id}-v2`);
    expect((await api(`/trips/${body.items[0]!.tripId}`, { method: 'DELETE' })).status).toBe(202);
    expect((await api<{ trips: Record<string, number> }>(`/fleets/${id}`)).body.trips.cancelled).toBe(1);
    const cancelled = await api<{ cancelled: number }>(`/fleets/${id}`, { method: 'DELETE' });
    expect(cancelled.body.cancelled).toBe(4);
    expect((await api<{ trips: Record<string, number> }>(`/fleets/${id}`)).body.trips).toMatchObject({ cancelled: 5, finished: 0 });
    expect((await api<TripList>(`/trips?fleetId=${id}&status=cancelled`)).body.total).toBe(5);
  });
});

describe('admission and timeouts', () => {
  it('refuses more routes per request than API_MAX_ROUTES_PER_REQUEST with a 429 naming the cap', async () => {
    // The integration lab sets the cap to 900 (global-setup.ts).
    const response = await fetch(`${lab().apiUrl}/routes/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seed: 1, count: 901 }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await response.json()) as { cap: { name: string; limit: number; requested: number }; message: string };
    expect(body.cap).toMatchObject({ name: 'API_MAX_ROUTES_PER_REQUEST', limit: 900, requested: 901 });
    expect(body.message).toContain('API_MAX_ROUTES_PER_REQUEST');
  });

  it('answers 503 with the reason when the database does not answer within API_DB_TIMEOUT_MS', async () => {
    const fault = { id: 'read-models-db-latency', kind: 'network', components: ['api'], params: { to: 'database', toxic: { type: 'latency', latencyMs: 8000 } }, expiresAt: Date.now() + 60_000 };
    const injected = await fetch(`${lab().controlUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
    expect(injected.status).toBe(201);
    try {
      const started = Date.now();
      const { status, body } = await api<{ message: string }>('/trips/no-such-trip');
      expect(status).toBe(503);
      expect(body.message).toMatch(/did not answer within \d+ ms \(API_DB_TIMEOUT_MS\)/);
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      await fetch(`${lab().controlUrl}/faults/${fault.id}`, { method: 'DELETE' });
    }
    await waitFor('the api reading again', async () => ((await api('/trips?limit=1')).status === 200 ? true : undefined), 60_000, 500);
  });
});

describe('indexes', () => {
  it('are created at start by the owners of the collections', async () => {
    const database = await db();
    const names = async (collection: string): Promise<string[]> => (await database.collection(collection).indexes()).map((i) => String(i.name));
    expect(await names('trips')).toEqual(expect.arrayContaining(['_id_', 'fleetId_1_status_1', 'requestedAt_-1']));
    expect(await names('trip_positions')).toEqual(expect.arrayContaining(['_id_', 'tripId_1_seq_1']));
  });
});
