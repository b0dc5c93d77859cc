import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { trace } from '@opentelemetry/api';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A registry with Node runtime metrics; one per process, served at /metrics. */
export function createRegistry(service: string): Registry {
  // OpenMetrics is the only exposition format that carries exemplars.
  const registry = new Registry<'application/openmetrics-text; version=1.0.0; charset=utf-8'>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry as unknown as Registry;
}

/** Exemplar labels for the active span, so a latency sample opens its trace. Empty when not sampled. */
export function traceExemplar(): Record<string, string> | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  // Only sampled traces reach Jaeger; an exemplar pointing at a dropped trace would be a dead link.
  if ((traceFlags & 1) !== 1) return undefined;
  return { trace_id: traceId, span_id: spanId };
}

/** Seconds buckets for pipeline latencies, from 5 ms (same-host Kafka hop) to 30 s (a stalled consumer). */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Kafka metrics every consumer and producer shares, labelled by topic only. */
export class KafkaMetrics {
  readonly produced: Counter<'topic'>;
  readonly consumed: Counter<'topic' | 'group'>;
  readonly deadLettered: Counter<'topic' | 'group'>;
  readonly failed: Counter<'topic' | 'group'>;
  readonly lag: Gauge<'topic' | 'partition' | 'group'>;

  constructor(registry: Registry) {
    this.produced = new Counter({
      name: 'fleetlab_kafka_messages_produced_total',
      help: 'Messages acknowledged by Kafka, per topic.',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.consumed = new Counter({
      name: 'fleetlab_kafka_messages_consumed_total',
      help: 'Messages read and handled, valid or not, per topic and consumer group.',
      labelNames: ['topic', 'group'],
      registers: [registry],
    });
    this.deadLettered = new Counter({
      name: 'fleetlab_kafka_messages_dead_lettered_total',
      help: 'Invalid messages sent to <topic>.dlq, per source topic and consumer group.',
      labelNames: ['topic', 'group'],
      registers: [registry],
    });
    this.failed = new Counter({
      name: 'fleetlab_kafka_batches_failed_total',
      help: 'Batches whose handling threw; they are redelivered, so this counts retries, not losses.',
      labelNames: ['topic', 'group'],
      registers: [registry],
    });
    this.lag = new Gauge({
      name: 'fleetlab_kafka_consumer_lag_messages',
      help: 'Messages behind the partition high watermark when the last batch was read.',
      labelNames: ['topic', 'partition', 'group'],
      registers: [registry],
    });
  }
}
