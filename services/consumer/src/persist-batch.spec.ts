import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  propagation,
  trace,
  TraceFlags,
  type Context,
  type SpanOptions,
  type TextMapGetter,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';
import type { NewPosition } from '@fleetlab/contracts';
import type { IHeaders, ValidMessage } from '@fleetlab/runtime';
import { createLogger, createRegistry } from '@fleetlab/telemetry';
import { ConsumerMetrics } from './metrics';
import { MAX_LINKS, createBatchHandler, linksFromHeaders } from './persist-batch';
import type { StoreBatchResult } from './position-store';

/** Just enough of W3C trace context to see what the getter hands the real propagator. */
const traceparentPropagator: TextMapPropagator = {
  inject: () => undefined,
  fields: () => ['traceparent'],
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const raw = getter.get(carrier, 'traceparent');
    const value = Array.isArray(raw) ? raw[0] : raw;
    const match = value ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-0([01])$/.exec(value) : null;
    if (!match) return context;
    return trace.setSpanContext(context, { traceId: match[1]!, spanId: match[2]!, traceFlags: Number(match[3]), isRemote: true });
  },
};

const traceparent = (n: number): string => `00-${'a'.repeat(24)}${n.toString(16).padStart(8, '0')}-${n.toString(16).padStart(16, '0')}-01`;

afterEach(() => propagation.disable());

describe('linksFromHeaders', () => {
  it('links each distinct producer context, reading Buffer and repeated header values', () => {
    propagation.setGlobalPropagator(traceparentPropagator);
    const headers: IHeaders[] = [
      { traceparent: Buffer.from(traceparent(1)) },
      { traceparent: traceparent(1) }, // the same producer span: one link
      { traceparent: [Buffer.from(traceparent(2))] },
      {},
      { traceparent: Buffer.from('garbage') },
    ];
    const links = linksFromHeaders(headers);
    expect(links.map((l) => l.context.spanId)).toEqual([traceparent(1).slice(36, 52), traceparent(2).slice(36, 52)]);
    expect(links[0]!.context).toMatchObject({ isRemote: true, traceFlags: TraceFlags.SAMPLED });
  });

  it(`caps the links at ${MAX_LINKS}`, () => {
    propagation.setGlobalPropagator(traceparentPropagator);
    const headers = Array.from({ length: 500 }, (_, i) => ({ traceparent: Buffer.from(traceparent(i + 1)) }));
    expect(linksFromHeaders(headers)).toHaveLength(MAX_LINKS);
  });

  it('links nothing without a propagator (telemetry disabled)', () => {
    expect(linksFromHeaders([{ traceparent: Buffer.from(traceparent(1)) }])).toEqual([]);
  });
});

describe('createBatchHandler', () => {
  const message = (tripId: string, seq: number): ValidMessage<NewPosition> => ({
    value: { routeId: 'r', clientId: '', position: [0, 0], finished: false, tripId, vehicleId: 'v', seq, ts: new Date().toISOString() },
    key: tripId,
    partition: 0,
    offset: String(seq),
    headers: {},
    timestamp: Date.now(),
  });

  function setup(storeBatch: () => Promise<StoreBatchResult>) {
    const registry = createRegistry('consumer-test');
    const metrics = new ConsumerMetrics(registry);
    const spans: Array<{ name: string; options: SpanOptions; ended: boolean; status?: unknown }> = [];
    const tracer = {
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
    return { registry, handler, spans };
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

  it('fails the batch (so it is redelivered) and marks the span when the store throws', async () => {
    const { registry, handler, spans } = setup(async () => {
      throw new Error('database down');
    });
    await expect(handler([message('a', 0)], 0)).rejects.toThrow('database down');
    expect(spans[0]).toMatchObject({ ended: true, status: { code: 2 } });
    expect(await registry.metrics()).toContain('fleetlab_consumer_positions_stored_total{service="consumer-test"} 0');
  });
});
