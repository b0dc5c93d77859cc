// Jaeger's query API (the JSON the Jaeger UI reads): find a trip's trace by its fleetlab.trip.id tag, then load it.
import { z } from 'zod';
import { defaultFetch, JsonApi, type FetchLike } from './http-json';

const Tag = z.object({ key: z.string(), type: z.string().optional(), value: z.unknown() });
export const JaegerSpan = z.object({
  traceID: z.string(),
  spanID: z.string(),
  operationName: z.string(),
  references: z.array(z.object({ refType: z.string(), traceID: z.string(), spanID: z.string() })).default([]),
  /** Microseconds since the epoch. */
  startTime: z.number(),
  /** Microseconds. */
  duration: z.number(),
  tags: z.array(Tag).default([]),
  processID: z.string(),
  warnings: z.array(z.string()).nullable().optional(),
});
export type JaegerSpan = z.infer<typeof JaegerSpan>;
export const JaegerTrace = z.object({
  traceID: z.string(),
  spans: z.array(JaegerSpan),
  processes: z.record(z.object({ serviceName: z.string() })),
});
export type JaegerTrace = z.infer<typeof JaegerTrace>;
const TracesAnswer = z.object({ data: z.array(JaegerTrace).nullable() });

export class JaegerClient {
  private readonly api: JsonApi;

  /** `baseUrl`: the query API, e.g. http://127.0.0.1:5173/jaeger (the lab's proxy). */
  constructor(baseUrl: string, fetchFn: FetchLike = defaultFetch, timeoutMs = 15_000) {
    this.api = new JsonApi('Jaeger', baseUrl, fetchFn, timeoutMs);
  }

  /** The trace of one trip (one trip is one trace, docs/telemetry.md), or null when none was recorded. */
  async tripTrace(tripId: string): Promise<JaegerTrace | null> {
    const tags = encodeURIComponent(JSON.stringify({ 'fleetlab.trip.id': tripId }));
    const found = await this.traces(`/api/traces?service=simulator&operation=trip.play&tags=${tags}&limit=5&lookback=2h`);
    const first = found[0];
    if (!first) return null;
    // A search answers with the spans that matched so far; the trace itself holds every span.
    const full = await this.traces(`/api/traces/${encodeURIComponent(first.traceID)}`);
    return full[0] ?? first;
  }

  private async traces(path: string): Promise<JaegerTrace[]> {
    return (await this.api.get(path, TracesAnswer)).data ?? [];
  }
}
