/**
 * The api over HTTP as the driver drives it: every call carries a fresh sampled `traceparent`, has a timeout, and is
 * measured under its route template (`GET /trips/:id`), unless it is housekeeping (setup, cleanup).
 */
import { randomBytes } from 'node:crypto';
import { MsHistogram } from '../lib/stats.ts';
import { TRACEPARENT, traceparent } from '../lib/trace.ts';

const TIMEOUT_MS = 10_000;

export interface EndpointStats {
  latency: MsHistogram;
  requests: number;
  errors: number;
  /** Status code (or "timeout", "network") → count, for the errors only. */
  errorKinds: Record<string, number>;
}

export interface ApiResult<T> {
  ok: boolean;
  status: number;
  body: T | undefined;
  /** The answer's headers (e.g. a 429's Retry-After); undefined when nothing answered. */
  headers: Headers | undefined;
}

export class ApiClient {
  readonly endpoints = new Map<string, EndpointStats>();
  /** Every measured request, for the positions/s and requests/s timeline. */
  measuredRequests = 0;

  constructor(private readonly baseUrl: string) {}

  /**
   * One request. `name` is the route template it is measured under; `measure: false` leaves it out of the SLOs.
   * `accept` lists statuses that are not errors besides 2xx (e.g. 409 when cancelling a trip that finished).
   */
  async call<T>(
    method: string,
    path: string,
    opts: { name?: string; body?: unknown; measure?: boolean; accept?: number[]; timeoutMs?: number } = {},
  ): Promise<ApiResult<T>> {
    const name = opts.name ?? `${method} ${path}`;
    const started = performance.now();
    let status = 0;
    let kind: string | undefined;
    let body: T | undefined;
    let headers: Headers | undefined;
    try {
      const res = await fetch(this.baseUrl + path, {
        method,
        headers: {
          [TRACEPARENT]: traceparent((n) => randomBytes(n)),
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? TIMEOUT_MS),
      });
      status = res.status;
      headers = res.headers;
      const text = await res.text();
      try {
        body = text ? (JSON.parse(text) as T) : undefined;
      } catch {
        body = undefined;
      }
      if (!res.ok && !(opts.accept ?? []).includes(status)) kind = String(status);
    } catch (error) {
      kind = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network';
    }
    const elapsed = performance.now() - started;
    if (opts.measure !== false) this.record(name, elapsed, kind);
    return { ok: kind === undefined, status, body, headers };
  }

  private record(name: string, ms: number, errorKind: string | undefined): void {
    let stats = this.endpoints.get(name);
    if (!stats) {
      stats = { latency: new MsHistogram(), requests: 0, errors: 0, errorKinds: {} };
      this.endpoints.set(name, stats);
    }
    stats.requests++;
    this.measuredRequests++;
    stats.latency.record(ms);
    if (errorKind !== undefined) {
      stats.errors++;
      stats.errorKinds[errorKind] = (stats.errorKinds[errorKind] ?? 0) + 1;
    }
  }

  /** All measured endpoints together. */
  overall(): { latency: MsHistogram; requests: number; errors: number } {
    const latency = new MsHistogram();
    let requests = 0;
    let errors = 0;
    for (const s of this.endpoints.values()) {
      latency.merge(s.latency);
      requests += s.requests;
      errors += s.errors;
    }
    return { latency, requests, errors };
  }
}
