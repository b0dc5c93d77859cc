import { describe, expect, it, vi } from 'vitest';
import { RouteClient, RouteFetchError, type FetchLike } from './route-client';

const points = [
  [-47.9, -15.8],
  [-47.91, -15.81],
];
const body = (id: string) => ({ id, title: `route ${id}`, startPosition: points[0], endPosition: points[1], points });

function answer(status: number, json: unknown = {}) {
  return { status, ok: status >= 200 && status < 300, json: async () => json };
}

function client(fetch: FetchLike, extra: Partial<ConstructorParameters<typeof RouteClient>[0]> = {}) {
  return new RouteClient({
    baseUrl: 'http://api.test',
    fetch,
    maxEntries: 100,
    timeoutMs: 1_000,
    sleep: async () => undefined,
    ...extra,
  });
}

describe('RouteClient', () => {
  it('fetches a route once for 1,000 concurrent lookups and caches it', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fetch = vi.fn<FetchLike>(async (url) => {
      await gate;
      return answer(200, body(url.split('/').pop() ?? ''));
    });
    const routes = client(fetch);
    const lookups = Array.from({ length: 1_000 }, () => routes.get('1'));
    release();
    const results = await Promise.all(lookups);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]?.[0]).toBe('http://api.test/routes/1');
    const first = results[0];
    expect(first?.ok && first.route.points).toEqual(points);
    // Every trip shares the one points array.
    expect(new Set(results.map((r) => (r.ok ? r.route.points : undefined))).size).toBe(1);
    await routes.get('1');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(routes.size).toBe(1);
  });

  it('answers an unknown route (404) without retrying or caching', async () => {
    const fetch = vi.fn<FetchLike>(async () => answer(404));
    const routes = client(fetch);
    expect(await routes.get('nope')).toEqual({ ok: false, reason: 'unknown route nope' });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(routes.size).toBe(0);
  });

  it('retries transient failures with backoff, then succeeds', async () => {
    const sleep = vi.fn(async () => undefined);
    const fetch = vi
      .fn<FetchLike>()
      .mockRejectedValueOnce(new Error('ECONNREFUSED'))
      .mockResolvedValueOnce(answer(503))
      .mockResolvedValueOnce(answer(200, body('2')));
    const result = await client(fetch, { sleep, attempts: 3, backoffMs: 100 }).get('2');
    expect(result.ok).toBe(true);
    expect(sleep.mock.calls).toEqual([[100], [200]]);
  });

  it('throws once attempts are exhausted, and a later lookup tries again', async () => {
    const fetch = vi.fn<FetchLike>(async () => answer(500));
    const routes = client(fetch, { attempts: 2 });
    await expect(routes.get('3')).rejects.toBeInstanceOf(RouteFetchError);
    expect(fetch).toHaveBeenCalledTimes(2);
    fetch.mockResolvedValue(answer(200, body('3')));
    expect((await routes.get('3')).ok).toBe(true);
  });

  it('names an invalid route body instead of playing it', async () => {
    const fetch = vi.fn<FetchLike>(async () => answer(200, { ...body('4'), points: [[0, 0]] }));
    const result = await client(fetch).get('4');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^invalid route 4: points/);
  });

  it('evicts the least recently used route past maxEntries', async () => {
    const fetch = vi.fn<FetchLike>(async (url) => answer(200, body(url.split('/').pop() ?? '')));
    const routes = client(fetch, { maxEntries: 2 });
    await routes.get('a');
    await routes.get('b');
    await routes.get('a');
    await routes.get('c');
    expect(routes.size).toBe(2);
    fetch.mockClear();
    await routes.get('a');
    expect(fetch).not.toHaveBeenCalled();
    await routes.get('b');
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('encodes the route id in the URL', async () => {
    const fetch = vi.fn<FetchLike>(async () => answer(404));
    await client(fetch).get('a/b c');
    expect(fetch.mock.calls[0]?.[0]).toBe('http://api.test/routes/a%2Fb%20c');
  });
});
