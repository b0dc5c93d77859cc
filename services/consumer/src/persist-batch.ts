import { SpanKind, SpanStatusCode, context, trace, type Link, type Tracer } from '@opentelemetry/api';
import type { NewPosition } from '@fleetlab/contracts';
import type { ValidMessage } from '@fleetlab/runtime';
import { traceExemplar, type Logger } from '@fleetlab/telemetry';
import type { ConsumerMetrics } from './metrics';
import type { TripHistoryStore } from './trip-history-store';

/** Span links per batch: enough to follow the trips of a batch, bounded so one span stays small. */
export const MAX_LINKS = 128;

/** Links to the sampled messages' process spans, at most MAX_LINKS. */
export function linksToMessages(messages: readonly Pick<ValidMessage<unknown>, 'context'>[]): Link[] {
  const links: Link[] = [];
  for (const message of messages) {
    if (links.length >= MAX_LINKS) break;
    const span = trace.getSpan(message.context);
    if (!span?.isRecording()) continue;
    links.push({ context: span.spanContext() });
  }
  return links;
}

/**
 * For each traced trip in the batch, a span in the trip's own trace that stands for its share of the batch write,
 * timed like the write: one trip's trace then shows where its positions were stored without a span per position.
 */
function recordTripWrites(
  tracer: Tracer,
  messages: readonly ValidMessage<NewPosition>[],
  startTime: number,
  endTime: number,
  error?: Error,
): void {
  const byTrip = new Map<string, ValidMessage<NewPosition>[]>();
  for (const message of messages) {
    if (!trace.getSpan(message.context)?.isRecording()) continue;
    const list = byTrip.get(message.value.tripId) ?? [];
    list.push(message);
    byTrip.set(message.value.tripId, list);
  }
  for (const [tripId, list] of byTrip) {
    const first = list[0]!;
    const span = tracer.startSpan(
      'persist trip_positions',
      {
        kind: SpanKind.CLIENT,
        startTime,
        attributes: {
          'db.system.name': 'mongodb',
          'db.collection.name': 'trip_positions',
          'db.operation.name': 'insertMany',
          'fleetlab.trip.id': tripId,
          'fleetlab.position.seq': first.value.seq,
          'fleetlab.positions.count': list.length,
          'messaging.batch.message_count': messages.length,
        },
      },
      first.context,
    );
    if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    span.end(endTime);
  }
}

/**
 * The batch handler: stores a fetched batch inside a `positions.persist` span linked to the messages' traces,
 * so the MongoDB spans of the write are its children, then records the metrics.
 */
export function createBatchHandler(deps: {
  store: Pick<TripHistoryStore, 'storeBatch'>;
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
        links: linksToMessages(messages),
        attributes: { 'messaging.batch.message_count': messages.length, 'fleetlab.trips.count': trips },
      },
      async (span) => {
        const startTime = Date.now();
        try {
          const result = await deps.store.storeBatch(messages.map((m) => m.value));
          recordTripWrites(tracer, messages, startTime, Date.now());
          for (const m of messages) {
            if (!m.value.finished) continue;
            // In the last position's context, so the line carries the trip's trace id.
            context.with(m.context, () => deps.logger.info({ tripId: m.value.tripId, routeId: m.value.routeId }, 'trip finished'));
          }
          // Still inside the span: the lag samples' exemplars point at this trace.
          deps.metrics.recordBatch(result, traceExemplar());
          deps.logger.debug(
            { partition, messages: messages.length, trips, stored: result.stored, duplicates: result.duplicates, finished: result.finished },
            'batch stored',
          );
        } catch (error) {
          recordTripWrites(tracer, messages, startTime, Date.now(), error as Error);
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
