import { Counter, Gauge, Histogram, LATENCY_BUCKETS_SECONDS, type Registry } from '@fleetlab/telemetry';

/** The simulator's own metrics (Kafka ones come from KafkaMetrics). No trip, vehicle or fleet ids as labels. */
export class SimulatorMetrics {
  readonly activeTrips: Gauge;
  readonly tripsStarted: Counter;
  readonly tripsFinished: Counter;
  readonly tripsCancelled: Counter;
  readonly tripsHandedOff: Counter;
  readonly directionsDropped: Counter<'reason'>;
  readonly positionsPublished: Counter;
  readonly pendingPositions: Gauge;
  readonly schedulerDrift: Histogram;
  readonly sendBatchSize: Histogram;
  readonly routeCacheSize: Gauge;
  readonly routeFetches: Counter<'outcome'>;

  constructor(registry: Registry, live: { activeTrips(): number; pendingPositions(): number; routeCacheSize(): number }) {
    const registers = [registry];
    this.activeTrips = new Gauge({
      name: 'fleetlab_simulator_active_trips',
      help: 'Trips being played by this process.',
      registers,
      collect() {
        this.set(live.activeTrips());
      },
    });
    this.tripsStarted = new Counter({
      name: 'fleetlab_simulator_trips_started_total',
      help: 'Trips accepted into the scheduler, resumed ones included.',
      registers,
    });
    this.tripsFinished = new Counter({
      name: 'fleetlab_simulator_trips_finished_total',
      help: 'Trips whose last position was handed to the producer.',
      registers,
    });
    this.tripsCancelled = new Counter({
      name: 'fleetlab_simulator_trips_cancelled_total',
      help: 'Running trips stopped by a route.cancel message.',
      registers,
    });
    this.tripsHandedOff = new Counter({
      name: 'fleetlab_simulator_trips_handed_off_total',
      help: 'Running trips handed on to route.new-direction with fromSeq at shutdown.',
      registers,
    });
    this.directionsDropped = new Counter({
      name: 'fleetlab_simulator_directions_dropped_total',
      help: 'Valid directions not played: cancelled before they arrived, or already running (a redelivery).',
      labelNames: ['reason'],
      registers,
    });
    this.positionsPublished = new Counter({
      name: 'fleetlab_simulator_positions_published_total',
      help: 'Positions acknowledged by Kafka.',
      registers,
    });
    this.pendingPositions = new Gauge({
      name: 'fleetlab_simulator_pending_positions_messages',
      help: 'Positions waiting for the producer; at MAX_PENDING_MESSAGES the scheduler pauses.',
      registers,
      collect() {
        this.set(live.pendingPositions());
      },
    });
    this.schedulerDrift = new Histogram({
      name: 'fleetlab_simulator_scheduler_drift_seconds',
      help: 'How late a position is collected for sending, relative to its due time.',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.sendBatchSize = new Histogram({
      name: 'fleetlab_simulator_send_batch_size_messages',
      help: 'Positions per producer.send.',
      buckets: [1, 10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000],
      registers,
    });
    this.routeCacheSize = new Gauge({
      name: 'fleetlab_simulator_route_cache_size',
      help: 'Routes held in the in-memory route cache.',
      registers,
      collect() {
        this.set(live.routeCacheSize());
      },
    });
    this.routeFetches = new Counter({
      name: 'fleetlab_simulator_route_fetches_total',
      help: 'Route lookups that reached the api, by outcome (ok, not_found, invalid, error after retries).',
      labelNames: ['outcome'],
      registers,
    });
  }
}
