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
});
