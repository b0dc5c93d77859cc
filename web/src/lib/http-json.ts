// GET a JSON document with a deadline; a failure names the URL and what went wrong, for the panel that shows it.
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

export type { FetchLike };
