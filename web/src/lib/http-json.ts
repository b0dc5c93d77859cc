// GET a JSON document with a deadline; a failure names the URL and what went wrong, for the panel that shows it.
import type { z } from 'zod';

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export const defaultFetch: FetchLike = (input, init) => fetch(input, init);

export async function getJson(url: string, fetchFn: FetchLike, timeoutMs: number, what: string): Promise<unknown> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetchFn(url, { headers: { accept: 'application/json' }, signal: abort.signal });
    } catch (error) {
      throw new Error(
        abort.signal.aborted ? `${what}: no answer within ${timeoutMs / 1000} s (${url})` : `${what} unreachable at ${url} (${(error as Error).message})`,
      );
    }
    const text = await response.text();
    if (!response.ok) throw new Error(`${what}: ${response.status} ${response.statusText} (${url})${text ? `: ${text.slice(0, 200)}` : ''}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${what}: not JSON (${url})`);
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A read-only JSON API under one base URL (Prometheus, Jaeger): every answer is checked against its schema, and an
 * answer of another shape is an error naming the API, the path and the first field that differs.
 */
export class JsonApi {
  constructor(
    /** Names the API in every error, e.g. `Prometheus`. */
    private readonly what: string,
    readonly baseUrl: string,
    private readonly fetchFn: FetchLike,
    private readonly timeoutMs: number,
  ) {}

  async get<S extends z.ZodTypeAny>(path: string, schema: S): Promise<z.output<S>> {
    const body = await getJson(`${this.baseUrl}${path}`, this.fetchFn, this.timeoutMs, this.what);
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new Error(`${this.what}: unexpected answer from ${path} (${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'})`);
  }
}

export type { FetchLike };
