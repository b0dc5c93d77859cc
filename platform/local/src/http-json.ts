/**
 * One HTTP call to a JSON endpoint of the lab (its control endpoint, the api), for the chaos runner and the
 * integration tests: the request body sent as JSON, the answer parsed as JSON where it is JSON and kept as text where
 * it is not, so a plain-text error still reaches the message that shows it. Never throws on an HTTP status.
 */
export interface JsonRequest {
  /** Default: GET without a body, POST with one. */
  method?: string;
  /** Sent as JSON; a string is sent as it is (a malformed body on purpose). */
  body?: unknown;
  /** Aborts the call after this long (default: no deadline). */
  timeoutMs?: number;
}

export interface JsonAnswer<T> {
  status: number;
  body: T;
}

export async function fetchJson<T = unknown>(url: string, request: JsonRequest = {}): Promise<JsonAnswer<T>> {
  const { body, timeoutMs } = request;
  const response = await fetch(url, {
    method: request.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: the text, for the error message that shows it.
  }
  return { status: response.status, body: parsed as T };
}
