import { Counter, Histogram, KafkaMetrics, LATENCY_BUCKETS_SECONDS, type Registry } from '@fleetlab/telemetry';
import { Collections, type CollectionName, type StoreBatchResult } from './trip-history-store';

/** Seconds buckets for one bulk write, from a millisecond (a few documents) to 5 s (a stalled database). */
const WRITE_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The consumer's metrics, declared once; README.md lists them. */
export class ConsumerMetrics {
  readonly kafka: KafkaMetrics;
  readonly persistenceLag: Histogram<string>;
  readonly positionsStored: Counter;
  readonly positionsDuplicate: Counter;
  readonly tripsFinished: Counter;
  readonly writeDuration: Histogram<'collection'>;

  constructor(registry: Registry) {
    this.kafka = new KafkaMetrics(registry);
    this.persistenceLag = new Histogram({
      name: 'fleetlab_persistence_lag_seconds',
      help: 'Event time (ts) of a position to the moment it was stored in MongoDB; one sample per position stored.',
      buckets: LATENCY_BUCKETS_SECONDS,
      enableExemplars: true,
      registers: [registry],
    });
    this.positionsStored = new Counter({
      name: 'fleetlab_consumer_positions_stored_total',
      help: 'Positions inserted into trip_positions.',
      registers: [registry],
    });
    this.positionsDuplicate = new Counter({
      name: 'fleetlab_consumer_positions_duplicate_total',
      help: 'Positions already stored (redeliveries) or repeated within a batch, ignored.',
      registers: [registry],
    });
    this.tripsFinished = new Counter({
      name: 'fleetlab_consumer_trips_finished_total',
      help: 'Trips moved to finished by their last position.',
      registers: [registry],
    });
    this.writeDuration = new Histogram({
      name: 'fleetlab_consumer_write_duration_seconds',
      help: 'Duration of one MongoDB bulk write, per collection.',
      labelNames: ['collection'],
      buckets: WRITE_BUCKETS_SECONDS,
      registers: [registry],
    });
    // Series exist from the start, so rate() and absent() work before the first batch.
    for (const collection of Object.values(Collections)) this.writeDuration.zero({ collection });
  }

  observeWrite(collection: CollectionName, seconds: number): void {
    this.writeDuration.observe({ collection }, seconds);
  }

  recordBatch(result: StoreBatchResult, exemplar: Record<string, string> | undefined): void {
    this.positionsStored.inc(result.stored);
    this.positionsDuplicate.inc(result.duplicates);
    this.tripsFinished.inc(result.finished);
    for (const value of result.lagSeconds) {
      this.persistenceLag.observe(exemplar ? { value, exemplarLabels: exemplar } : { value });
    }
  }
}
