/** The verification's two sources: the lab's Prometheus (alerts, SLIs) and Jaeger's query API (traces). */
import type { TraceCheck } from './schema';

interface JaegerSpan {
  spanID: string;
  operationName: string;
  processID: string;
  startTime: number;
  tags: Array<{ key: string; value: unknown }>;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

export interface TraceFound {
  ok: boolean;
  traceId?: string;
  detail: string;
}

/** A failing span: status ERROR (Jaeger's `error` tag), or a server span that answered HTTP 5xx (the instrumentation
 * of node's http server records the status code but leaves a 5xx answer's span status unset). */
const isError = (s: JaegerSpan): boolean =>
  s.tags.some(
    (t) =>
      (t.key === 'error' && (t.value === true || t.value === 'true')) ||
      (t.key === 'otel.status_code' && t.value === 'ERROR') ||
      ((t.key === 'http.response.status_code' || t.key === 'http.status_code') && Number(t.value) >= 500),
  );

/**
 * Looks in Jaeger for a trace matching the check, started after `sinceMs` (epoch ms). Traces arrive in batches a few
 * seconds after their spans end, so callers poll.
 */
export async function findTrace(jaegerUrl: string, check: TraceCheck, sinceMs: number, vars: Record<string, string> = {}): Promise<TraceFound> {
  const tags = Object.fromEntries(Object.entries(check.tags).map(([k, v]) => [k, v.replace(/\{(\w+)\}/g, (_m, name: string) => vars[name] ?? `{${name}}`)]));
  const params = new URLSearchParams({ service: check.service, start: String(sinceMs * 1000), end: String(Date.now() * 1000), limit: '20' });
  if (check.operation) params.set('operation', check.operation);
  if (Object.keys(tags).length > 0) params.set('tags', JSON.stringify(tags));
  const response = await fetch(`${jaegerUrl}/api/traces?${params.toString()}`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) return { ok: false, detail: `Jaeger answered ${response.status}` };
  const traces = ((await response.json()) as { data: JaegerTrace[] | null }).data ?? [];
  if (traces.length === 0) return { ok: false, detail: 'no matching trace yet' };
  let best = '';
  for (const candidate of traces) {
    const whole = await fetch(`${jaegerUrl}/api/traces/${candidate.traceID}`, { signal: AbortSignal.timeout(10_000) })
      .then(async (r) => ((await r.json()) as { data: JaegerTrace[] }).data[0])
      .catch(() => candidate);
    const trace = whole ?? candidate;
    const serviceOf = (s: JaegerSpan): string => trace.processes[s.processID]?.serviceName ?? '?';
    const services = new Set(trace.spans.map(serviceOf));
    const missing = check.services.filter((s) => !services.has(s));
    const errorSpan = trace.spans.find((s) => isError(s) && serviceOf(s) === check.service);
    if (missing.length === 0 && (!check.errorSpan || errorSpan)) {
      const shown = errorSpan ? `; failing span ${serviceOf(errorSpan)} "${errorSpan.operationName}"` : '';
      return { ok: true, traceId: trace.traceID, detail: `trace ${trace.traceID}: ${trace.spans.length} spans from ${[...services].sort().join(', ')}${shown}` };
    }
    best = `trace ${trace.traceID}: ${missing.length ? `no span from ${missing.join(', ')}` : 'no failing span'}`;
  }
  return { ok: false, detail: best };
}
