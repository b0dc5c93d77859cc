// The api's REST endpoints, each answer validated; a failure becomes an ApiError carrying the api's own message.
import type { z } from 'zod';
import {
  ApiErrorBody,
  Fleet,
  FleetCreated,
  Route,
  RouteSummary,
  Trip,
  TripPage,
  TripStarted,
  type CreateFleetRequest,
  type StartTripRequest,
} from './api-types';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** The message of an api error body, with every offending field named when the api listed them. */
export function errorMessageOf(body: unknown, fallback: string): string {
  const parsed = ApiErrorBody.safeParse(body);
  if (!parsed.success) return fallback;
  const { message, fields } = parsed.data;
  const text = message;
  if (!fields || fields.length === 0) return text;
  const named = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return text.includes(named) ? text : `${text} (${named})`;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly fetchFn: FetchLike = (input, init) => fetch(input, init),
    /** A hung request (the database stuck, say) becomes an error the user sees instead of a spinner forever. */
    private readonly timeoutMs = 15_000,
  ) {}

  listRoutes(): Promise<RouteSummary[]> {
    return this.request('GET', '/routes', RouteSummary.array());
  }

  getRoute(id: string): Promise<Route> {
    return this.request('GET', `/routes/${encodeURIComponent(id)}`, Route);
  }

  startTrip(body: StartTripRequest): Promise<TripStarted> {
    return this.request('POST', '/trips', TripStarted, body);
  }

  getTrip(id: string): Promise<Trip> {
    return this.request('GET', `/trips/${encodeURIComponent(id)}`, Trip);
  }

  /** Trips by status, newest first (the api caps `limit` at 500). */
  listTrips(query: { status: string; limit: number }): Promise<{ items: Trip[]; total: number }> {
    return this.request('GET', `/trips?status=${encodeURIComponent(query.status)}&limit=${query.limit}`, TripPage);
  }

  createFleet(body: CreateFleetRequest): Promise<FleetCreated> {
    return this.request('POST', '/fleets', FleetCreated, body);
  }

  getFleet(id: string): Promise<Fleet> {
    return this.request('GET', `/fleets/${encodeURIComponent(id)}`, Fleet);
  }

  async cancelFleet(id: string): Promise<void> {
    await this.request('DELETE', `/fleets/${encodeURIComponent(id)}`, null);
  }

  private async request<S extends z.ZodTypeAny>(method: string, path: string, schema: S, body?: unknown): Promise<z.infer<S>>;
  private async request(method: string, path: string, schema: null, body?: unknown): Promise<unknown>;
  private async request(method: string, path: string, schema: z.ZodTypeAny | null, body?: unknown): Promise<unknown> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: abort.signal,
      });
      text = await response.text();
    } catch (error) {
      throw new ApiError(
        abort.signal.aborted
          ? `${method} ${path}: no answer from the api within ${this.timeoutMs / 1000} s`
          : `${method} ${path}: api unreachable at ${this.baseUrl} (${(error as Error).message})`,
        0,
        path,
      );
    } finally {
      clearTimeout(timer);
    }
    let json: unknown = undefined;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        // Not JSON (a proxy's error page, say): the status line will have to do.
      }
    }
    if (!response.ok) {
      const fallback = `${response.status} ${response.statusText || 'error'}`.trim();
      throw new ApiError(`${method} ${path}: ${errorMessageOf(json, fallback)}`, response.status, path);
    }
    if (schema === null) return json;
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(
        `${method} ${path}: unexpected answer (${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'})`,
        response.status,
        path,
      );
    }
    return parsed.data;
  }
}
