import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  propagation,
  trace,
  type Link,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import type { NewPosition } from '@fleetlab/contracts';
import type { IHeaders, ValidMessage } from '@fleetlab/runtime';
import { traceExemplar, type Logger } from '@fleetlab/telemetry';
import type { ConsumerMetrics } from './metrics';
import type { PositionStore } from './position-store';

/** Span links per batch: enough to follow the trips of a batch, bounded so one span stays small. */
export const MAX_LINKS = 128;

// kafkajs header values are Buffers (strings when we produce them ourselves), possibly repeated.
const headerGetter: TextMapGetter<IHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map((v) => v.toString()) : value.toString();
  },
};

/** Links to the trace context each message carries, one per distinct producer span, at most MAX_LINKS. */
export function linksFromHeaders(headers: readonly IHeaders[]): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const carrier of headers) {
    if (links.length >= MAX_LINKS) break;
    const context = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier, headerGetter));
    if (!context || !trace.isSpanContextValid(context)) continue;
    const key = `${context.traceId}:${context.spanId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    links.push({ context });
  }
  return links;
}

/**
 * The batch handler: stores a fetched batch inside a `positions.persist` span linked to the producers' traces,
 * so the MongoDB spans of the write are its children, then records the metrics.
 */
export function createBatchHandler(deps: {
  store: Pick<PositionStore, 'storeBatch'>;
  metrics: ConsumerMetrics;
  logger: Logger;
  tracer?: Tracer;
}): (messages: ValidMessage<NewPosition>[], partition: number) => Promise<void> {
  const tracer = deps.tracer ?? trace.getTracer('consumer');
  return async (messages, partition) => {
    const trips = new Set(messages.map((m) => m.value.tripId)).size;
    await tracer.startActiveSpan(
      'positions.persist',
      {
        kind: SpanKind.INTERNAL,
        links: linksFromHeaders(messages.map((m) => m.headers)),
        attributes: { 'messaging.batch.message_count': messages.length, 'fleetlab.trips.count': trips },
      },
      async (span) => {
        try {
          const result = await deps.store.storeBatch(messages.map((m) => m.value));
          // Still inside the span: the lag samples' exemplars point at this trace.
          deps.metrics.recordBatch(result, traceExemplar());
          deps.logger.debug(
            { partition, messages: messages.length, trips, stored: result.stored, duplicates: result.duplicates, finished: result.finished },
            'batch stored',
          );
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          deps.logger.error({ err: error, partition, messages: messages.length }, 'batch not stored, will be redelivered');
          throw error;
        } finally {
          span.end();
        }
      },
    );
  };
}
