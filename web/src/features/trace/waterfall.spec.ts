import { describe, expect, it } from 'vitest';
import type { JaegerSpan, JaegerTrace } from '../../lib/jaeger-client';
import { formatMicros, layoutWaterfall } from './waterfall';

const T = 'trace-1';
function span(id: string, op: string, start: number, duration: number, parent?: string, extra: Partial<JaegerSpan> = {}): JaegerSpan {
  return {
    traceID: T,
    spanID: id,
    operationName: op,
    references: parent ? [{ refType: 'CHILD_OF', traceID: T, spanID: parent }] : [],
    startTime: 1_000_000 + start,
    duration,
    tags: [],
    processID: op.startsWith('process') || op === 'trip.play' || op.startsWith('send route.new-position') ? 'p2' : 'p1',
    ...extra,
  };
}
const trace = (spans: JaegerSpan[]): JaegerTrace => ({
  traceID: T,
  spans,
  processes: { p1: { serviceName: 'api' }, p2: { serviceName: 'simulator' } },
});

describe('the waterfall layout', () => {
  it('puts each span under its parent, siblings by start time, with offsets and widths as shares of the trace', () => {
    // Given out of order, as Jaeger may answer.
    const w = layoutWaterfall(
      trace([
        span('c', 'send route.new-position', 600, 100, 'b'),
        span('a', 'POST /trips', 0, 1_000),
        span('b', 'trip.play', 100, 900, 'a'),
        span('d', 'send route.new-position', 200, 100, 'b'),
      ]),
    );
    expect(w.rows.map((r) => [r.spanId, r.depth])).toEqual([
      ['a', 0],
      ['b', 1],
      ['d', 2],
      ['c', 2],
    ]);
    expect(w.durationUs).toBe(1_000);
    const b = w.rows[1]!;
    expect(b.offset).toBeCloseTo(0.1);
    expect(b.width).toBeCloseTo(0.9);
    expect(b.service).toBe('simulator');
    expect(w.services).toEqual(['api', 'simulator']);
    expect(w.rows[3]!.offset + w.rows[3]!.width).toBeCloseTo(0.7);
  });

  it('marks failed spans, with the reason the span gives', () => {
    const w = layoutWaterfall(
      trace([
        span('a', 'POST /trips', 0, 100, undefined, {
          tags: [
            { key: 'error', type: 'bool', value: true },
            { key: 'http.response.status_code', type: 'int64', value: 503 },
          ],
        }),
        span('b', 'process route.new-direction', 10, 50, 'a', { tags: [{ key: 'otel.status_code', value: 'ERROR' }, { key: 'otel.status_description', value: 'broker down' }] }),
        span('c', 'trip.play', 20, 10, 'b'),
      ]),
    );
    expect(w.errorCount).toBe(2);
    expect(w.rows.map((r) => r.errorMessage)).toEqual(['HTTP 503', 'broker down', undefined]);
  });

  it('treats a span whose parent is missing as a root, and survives a reference loop', () => {
    const loopA = span('x', 'process route.new-position', 50, 5, 'y');
    const loopB = span('y', 'process route.new-position', 60, 5, 'x');
    const w = layoutWaterfall(trace([span('a', 'POST /trips', 0, 100), span('orphan', 'trip.play', 30, 10, 'not-in-trace'), loopA, loopB]));
    expect(w.rows.map((r) => r.spanId).sort()).toEqual(['a', 'orphan', 'x', 'y']);
    expect(w.rows.find((r) => r.spanId === 'orphan')!.depth).toBe(0);
  });

  it('keeps the first rows of a big trace and counts the rest', () => {
    const spans = [span('root', 'trip.play', 0, 10_000)];
    for (let i = 0; i < 50; i++) spans.push(span(`s${i}`, 'send route.new-position', i * 100, 10, 'root'));
    const w = layoutWaterfall(trace(spans), 20);
    expect(w.rows).toHaveLength(20);
    expect(w.hidden).toBe(31);
    expect(w.spanCount).toBe(51);
  });

  it('gives an instant span no width and an empty trace no rows', () => {
    expect(layoutWaterfall(trace([span('a', 'POST /trips', 0, 0)])).rows[0]!.width).toBe(0);
    expect(layoutWaterfall(trace([])).rows).toEqual([]);
  });

  it('formats durations in the unit that reads best', () => {
    expect(formatMicros(840)).toBe('840 µs');
    expect(formatMicros(1_500)).toBe('1.5 ms');
    expect(formatMicros(35_000)).toBe('35 ms');
    expect(formatMicros(1_234_000)).toBe('1.23 s');
    expect(formatMicros(64_000_000)).toBe('64.0 s');
  });
});
