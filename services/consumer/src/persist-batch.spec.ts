import { describe, expect, it, vi } from 'vitest';
import { ROOT_CONTEXT, trace, TraceFlags, type Context, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import type { NewPosition } from '@fleetlab/contracts';
import type { ValidMessage } from '@fleetlab/runtime';
import { createLogger, createRegistry } from '@fleetlab/telemetry';
import { ConsumerMetrics } from './metrics';
import { MAX_LINKS, createBatchHandler, linksToMessages } from './persist-batch';
import type { StoreBatchResult } from './trip-history-store';

/** A context holding a span of trace n, recording (sampled and kept) or not. */
function spanContextOf(n: number, recording: boolean): Context {
  const spanContext = { traceId: n.toString(16).padStart(32, 'a'), spanId: n.toString(16).padStart(16, '0'), traceFlags: TraceFlags.SAMPLED };
  const span = { isRecording: () => recording, spanContext: () => spanContext } as unknown as Span;
  return trace.setSpan(ROOT_CONTEXT, span);
}

describe('linksToMessages', () => {
  it('links the recording process spans only', () => {
    const links = linksToMessages([{ context: spanContextOf(1, true) }, { context: spanContextOf(2, false) }, { context: ROOT_CONTEXT }]);
    expect(links.map((l) => l.context.spanId)).toEqual([(1).toString(16).padStart(16, '0')]);
  });

  it(`caps the links at ${MAX_LINKS}`, () => {
    const messages = Array.from({ length: 500 }, (_, i) => ({ context: spanContextOf(i + 1, true) }));
    expect(linksToMessages(messages)).toHaveLength(MAX_LINKS);
  });
});

describe('createBatchHandler', () => {
  const message = (tripId: string, seq: number): ValidMessage<NewPosition> => ({
    value: { routeId: 'r', clientId: '', position: [0, 0], finished: false, tripId, vehicleId: 'v', seq, ts: new Date().toISOString() },
    key: tripId,
    partition: 0,
    offset: String(seq),
    raw: null,
    headers: {},
    timestamp: Date.now(),
    context: tripId === 'traced' ? spanContextOf(7, true) : ROOT_CONTEXT,
  });

  function setup(storeBatch: () => Promise<StoreBatchResult>) {
    const registry = createRegistry('consumer-test');
    const metrics = new ConsumerMetrics(registry);
    const spans: Array<{ name: string; options: SpanOptions; ended: boolean; status?: unknown }> = [];
    const tripSpans: Array<{ name: string; options: SpanOptions; parent: Context; ended: boolean }> = [];
    const tracer = {
      startSpan: (name: string, options: SpanOptions, parent: Context) => {
        const record = { name, options, parent, ended: false };
        tripSpans.push(record);
        return { end: () => (record.ended = true), setStatus: () => undefined };
      },
      startActiveSpan: (name: string, options: SpanOptions, fn: (span: unknown) => unknown) => {
        const record = { name, options, ended: false, status: undefined as unknown };
        spans.push(record);
        return fn({
          end: () => (record.ended = true),
          setStatus: (s: unknown) => (record.status = s),
          recordException: () => undefined,
        });
      },
    } as unknown as Tracer;
    const handler = createBatchHandler({ store: { storeBatch: vi.fn(storeBatch) }, metrics, logger: createLogger('t', { level: 'silent' }), tracer });
    return { registry, handler, spans, tripSpans };
  }

  it('persists inside a positions.persist span and records the outcome', async () => {
    const { registry, handler, spans } = setup(async () => ({ stored: 2, duplicates: 1, finished: 1, lagSeconds: [0.02, 0.3] }));
    await handler([message('a', 0), message('a', 1), message('b', 0)], 0);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      name: 'positions.persist',
      ended: true,
      options: { attributes: { 'messaging.batch.message_count': 3, 'fleetlab.trips.count': 2 } },
    });
    const text = await registry.metrics();
    expect(text).toContain('fleetlab_consumer_positions_stored_total{service="consumer-test"} 2');
    expect(text).toContain('fleetlab_consumer_positions_duplicate_total{service="consumer-test"} 1');
    expect(text).toContain('fleetlab_consumer_trips_finished_total{service="consumer-test"} 1');
    expect(text).toContain('fleetlab_persistence_lag_seconds_count{service="consumer-test"} 2');
    expect(text).toContain('fleetlab_consumer_write_duration_seconds_count{service="consumer-test",collection="trips"} 0');
    expect(text).not.toMatch(/trip_id|tripId|vehicle/);
  });

  it("writes a span into each traced trip's own trace, under its first message of the batch", async () => {
    const { handler, tripSpans } = setup(async () => ({ stored: 3, duplicates: 0, finished: 0, lagSeconds: [] }));
    const first = message('traced', 4);
    await handler([message('a', 0), first, message('traced', 5)], 0);
    expect(tripSpans).toHaveLength(1);
    expect(tripSpans[0]).toMatchObject({
      name: 'persist trip_positions',
      ended: true,
      options: { attributes: { 'fleetlab.trip.id': 'traced', 'fleetlab.positions.count': 2, 'db.collection.name': 'trip_positions' } },
    });
    expect(trace.getSpan(tripSpans[0]!.parent)).toBe(trace.getSpan(first.context));
  });

  it('fails the batch (so it is redelivered) and marks the span when the store throws', async () => {
    const { registry, handler, spans } = setup(async () => {
      throw new Error('database down');
    });
    await expect(handler([message('a', 0)], 0)).rejects.toThrow('database down');
    expect(spans[0]).toMatchObject({ ended: true, status: { code: 2 } });
    expect(await registry.metrics()).toContain('fleetlab_consumer_positions_stored_total{service="consumer-test"} 0');
  });
});
