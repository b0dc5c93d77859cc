import { describeZodError, Route, type LngLat } from '@fleetlab/contracts';

/** What a trip needs of a route; the points array is shared by every trip on it. */
export interface CachedRoute {
  id: string;
  points: readonly LngLat[];
}

export type RouteLookup = { ok: true; route: CachedRoute } | { ok: false; reason: string };

/** The subset of fetch the client uses, so tests can pass a fake. */
export type FetchLike = (
  url: string,
  init: { signal: AbortSignal; headers: Record<string, string> },
) => Promise<{ status: number; ok: boolean; json(): Promise<unknown> }>;

export interface RouteClientOptions {
  baseUrl: string;
  fetch?: FetchLike;
  /** Routes kept; the least recently used is evicted first. */
  maxEntries: number;
  timeoutMs: number;
  /** Attempts per lookup for transient failures (network, timeout, 5xx), with exponential backoff. */
  attempts?: number;
  backoffMs?: number;
  /** Requests to the api at once, so a fleet over 1,000 new routes doesn't open 1,000 connections. */
  concurrency?: number;
  sleep?: (ms: number) => Promise<void>;
  onFetch?: (outcome: 'ok' | 'not_found' | 'invalid' | 'error') => void;
}

/** A transient failure: the direction must be retried, not dead-lettered. */
export class RouteFetchError extends Error {
  override readonly name = 'RouteFetchError';
}

/**
 * Routes from the api (`GET /routes/:id`), cached in memory. Concurrent lookups of one route share one request:
 * 1,000 trips on the same route cost one fetch. Routes never change once created, so the cache needs no expiry.
 * A 404 or an invalid body is a permanent answer (`ok: false`); anything else is retried, then thrown.
 */
export class RouteClient {
  private readonly cache = new Map<string, CachedRoute>();
  private readonly inFlight = new Map<string, Promise<RouteLookup>>();
  private readonly fetch: FetchLike;
  private readonly sleep: (ms: number) => Promise<void>;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: RouteClientOptions) {
    this.fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Routes in the cache. */
  get size(): number {
    return this.cache.size;
  }

  async get(id: string): Promise<RouteLookup> {
    const cached = this.cache.get(id);
    if (cached) {
      // Re-insert to mark it most recently used: a Map iterates in insertion order.
      this.cache.delete(id);
      this.cache.set(id, cached);
      return { ok: true, route: cached };
    }
    const pending = this.inFlight.get(id);
    if (pending) return pending;
    const lookup = this.load(id).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, lookup);
    return lookup;
  }

  private async load(id: string): Promise<RouteLookup> {
    const attempts = this.options.attempts ?? 3;
    const backoffMs = this.options.backoffMs ?? 250;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await this.sleep(backoffMs * 2 ** (attempt - 1));
      try {
        const lookup = await this.limited(() => this.fetchOnce(id));
        if (lookup.ok) this.remember(lookup.route);
        return lookup;
      } catch (error) {
        lastError = error;
      }
    }
    this.options.onFetch?.('error');
    throw new RouteFetchError(`route ${id}: ${(lastError as Error)?.message ?? String(lastError)}`, {
      cause: lastError,
    });
  }

  private async fetchOnce(id: string): Promise<RouteLookup> {
    const url = `${this.options.baseUrl}/routes/${encodeURIComponent(id)}`;
    const response = await this.fetch(url, {
      signal: AbortSignal.timeout(this.options.timeoutMs),
      headers: { accept: 'application/json' },
    });
    if (response.status === 404) {
      this.options.onFetch?.('not_found');
      return { ok: false, reason: `unknown route ${id}` };
    }
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    const parsed = Route.safeParse(await response.json());
    if (!parsed.success) {
      // The api answered and the answer is wrong: asking again won't change it.
      this.options.onFetch?.('invalid');
      return { ok: false, reason: `invalid route ${id}: ${describeZodError(parsed.error)}` };
    }
    this.options.onFetch?.('ok');
    return { ok: true, route: { id, points: parsed.data.points } };
  }

  private remember(route: CachedRoute): void {
    this.cache.set(route.id, route);
    while (this.cache.size > this.options.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  private async limited<R>(task: () => Promise<R>): Promise<R> {
    const limit = this.options.concurrency ?? 16;
    while (this.active >= limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
