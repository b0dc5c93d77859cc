// A trace as a waterfall: spans in tree order (each under its parent, siblings by start time), with their offset
// and width as shares of the whole trace, their service, and whether they failed. Plain data, so it is testable.
import type { JaegerSpan, JaegerTrace } from '../../lib/jaeger-client';

export interface WaterfallRow {
  spanId: string;
  parentId: string | undefined;
  depth: number;
  service: string;
  operation: string;
  /** Microseconds from the trace's start. */
  startUs: number;
  durationUs: number;
  /** Share of the trace before the span starts, 0…1. */
  offset: number;
  /** Share of the trace the span lasts, 0…1 (0 for an instant). */
  width: number;
  error: boolean;
  /** Why it failed, when the span says. */
  errorMessage: string | undefined;
}

export interface Waterfall {
  traceId: string;
  /** Microseconds since the epoch. */
  startUs: number;
  durationUs: number;
  rows: WaterfallRow[];
  /** Services in the order they first appear. */
  services: string[];
  spanCount: number;
  errorCount: number;
  /** Rows left out past `maxRows`. */
  hidden: number;
}

const tag = (span: JaegerSpan, key: string): unknown => span.tags.find((t) => t.key === key)?.value;

/** OpenTelemetry marks a failed span with status ERROR; Jaeger shows it as the tag error=true. */
export function isErrorSpan(span: JaegerSpan): boolean {
  const error = tag(span, 'error');
  return error === true || error === 'true' || tag(span, 'otel.status_code') === 'ERROR';
}

function errorMessageOf(span: JaegerSpan): string | undefined {
  for (const key of ['otel.status_description', 'error.message', 'exception.message', 'http.response.status_code']) {
    const value = tag(span, key);
    if (value !== undefined && value !== '') return `${key === 'http.response.status_code' ? 'HTTP ' : ''}${String(value)}`;
  }
  return undefined;
}

/** The parent inside this trace: CHILD_OF first, then FOLLOWS_FROM; a parent that is not in the trace means a root. */
function parentOf(span: JaegerSpan, ids: ReadonlySet<string>): string | undefined {
  const refs = span.references.filter((r) => r.traceID === span.traceID && ids.has(r.spanID) && r.spanID !== span.spanID);
  return (refs.find((r) => r.refType === 'CHILD_OF') ?? refs.find((r) => r.refType === 'FOLLOWS_FROM'))?.spanID;
}

export function layoutWaterfall(trace: JaegerTrace, maxRows = 400): Waterfall {
  const spans = trace.spans;
  if (spans.length === 0) {
    return { traceId: trace.traceID, startUs: 0, durationUs: 0, rows: [], services: [], spanCount: 0, errorCount: 0, hidden: 0 };
  }
  const ids = new Set(spans.map((s) => s.spanID));
  const start = Math.min(...spans.map((s) => s.startTime));
  const end = Math.max(...spans.map((s) => s.startTime + s.duration));
  const total = Math.max(end - start, 1);
  const children = new Map<string | undefined, JaegerSpan[]>();
  const parents = new Map<string, string | undefined>();
  for (const span of spans) {
    const parent = parentOf(span, ids);
    parents.set(span.spanID, parent);
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const byStart = (a: JaegerSpan, b: JaegerSpan): number => a.startTime - b.startTime || a.spanID.localeCompare(b.spanID);
  for (const list of children.values()) list.sort(byStart);

  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  const services: string[] = [];
  const visit = (span: JaegerSpan, depth: number): void => {
    // A reference loop (a broken producer) must not hang the page: each span is drawn once.
    if (seen.has(span.spanID)) return;
    seen.add(span.spanID);
    const service = trace.processes[span.processID]?.serviceName ?? span.processID;
    if (!services.includes(service)) services.push(service);
    const error = isErrorSpan(span);
    rows.push({
      spanId: span.spanID,
      parentId: parents.get(span.spanID),
      depth,
      service,
      operation: span.operationName,
      startUs: span.startTime - start,
      durationUs: span.duration,
      offset: (span.startTime - start) / total,
      width: span.duration / total,
      error,
      errorMessage: error ? errorMessageOf(span) : undefined,
    });
    for (const child of children.get(span.spanID) ?? []) visit(child, depth + 1);
  };
  for (const root of children.get(undefined) ?? []) visit(root, 0);
  // Spans only reachable through a loop have no root: draw them at the top level rather than lose them.
  for (const span of [...spans].sort(byStart)) if (!seen.has(span.spanID)) visit(span, 0);

  return {
    traceId: trace.traceID,
    startUs: start,
    durationUs: end - start,
    rows: rows.slice(0, maxRows),
    services,
    spanCount: spans.length,
    errorCount: rows.filter((r) => r.error).length,
    hidden: Math.max(0, rows.length - maxRows),
  };
}

/** 1.2 s, 35 ms, 840 µs. */
export function formatMicros(us: number): string {
  if (us >= 1_000_000) return `${(us / 1_000_000).toFixed(us >= 10_000_000 ? 1 : 2)} s`;
  if (us >= 1_000) return `${(us / 1_000).toFixed(us >= 10_000 ? 0 : 1)} ms`;
  return `${Math.round(us)} µs`;
}
