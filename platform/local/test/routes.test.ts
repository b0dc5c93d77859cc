// Route generation is idempotent and never blocks the database, however often it is asked again.
import { describe, expect, it } from 'vitest';
import { api } from './helpers';

interface Summary {
  id: string;
  pointCount: number;
}

describe('generated routes', () => {
  it('the same seed again, even with another length, keeps the stored routes and the api answering', async () => {
    const first = await api<{ routes: Summary[] }>('/routes/generate', { body: { seed: 8080, count: 120, points: 240 } });
    expect(first.status).toBe(201);
    expect(first.body.routes).toHaveLength(120);
    const again = await api<{ routes: Summary[] }>('/routes/generate', { body: { seed: 8080, count: 120, points: 40 } });
    expect(again.status).toBe(201);
    expect(again.body.routes.map((r) => r.id)).toEqual(first.body.routes.map((r) => r.id));
    const stored = await api<{ points: unknown[] }>(`/routes/${first.body.routes[0]!.id}`);
    expect(stored.body.points).toHaveLength(240);
    const list = await api<Summary[]>('/routes');
    expect(list.status).toBe(200);
    expect(list.body.filter((r) => r.id.startsWith('gen-8080-'))).toHaveLength(120);
  });

  it('lists a route as soon as it is stored, and drives fleets on it with its point count', async () => {
    expect((await api<Summary[]>('/routes')).status).toBe(200); // the list as it was, possibly kept a moment
    const id = `route-listed-${Date.now()}`;
    const points = [[-47.9, -15.8], [-47.91, -15.81], [-47.92, -15.82]];
    expect((await api('/routes', { body: { id, title: 'listed at once', points } })).status).toBe(201);
    const list = await api<Summary[]>('/routes');
    expect(list.body.find((r) => r.id === id)).toMatchObject({ pointCount: 3 });
    for (const attempt of [1, 2]) {
      const fleet = await api<{ fleetId: string; routeIds: string[] }>('/fleets', { body: { vehicles: 2, routeIds: [id], paceMs: 60_000 } });
      expect(fleet.status, `fleet ${attempt}`).toBe(202);
      const trips = await api<{ items: Array<{ total: number }> }>(`/trips?fleetId=${fleet.body.fleetId}`);
      expect(trips.body.items.map((t) => t.total)).toEqual([3, 3]);
      await api(`/fleets/${fleet.body.fleetId}`, { method: 'DELETE' });
    }
  });
});
