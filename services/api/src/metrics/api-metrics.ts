import { Counter, Gauge, Histogram, KafkaMetrics, LATENCY_BUCKETS_SECONDS, type Registry } from '@fleetlab/telemetry';

export type EmitKind = 'client' | 'trip' | 'fleet';
export type TripSource = 'http' | 'socket' | 'fleet';

/**
 * Every metric the api owns, on the one registry served at /metrics. Labels are low-cardinality: the route
 * template (`/trips/:id`), never a raw URL, trip or vehicle id.
 */
export class ApiMetrics {
  readonly kafka: KafkaMetrics;
  readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly positionFreshness: Histogram<'kind'>;
  readonly socketConnections: Gauge;
  readonly positionsEmitted: Counter<'kind'>;
  readonly tripsStarted: Counter<'source'>;

  constructor(readonly registry: Registry) {
    this.kafka = new KafkaMetrics(registry);
    this.httpRequests = new Counter({
      name: 'fleetlab_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    });
    this.httpDuration = new Histogram({
      name: 'fleetlab_http_request_duration_seconds',
      help: 'Time from request to response, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS_SECONDS,
      enableExemplars: true,
      registers: [registry],
    });
    this.positionFreshness = new Histogram({
      name: 'fleetlab_position_freshness_seconds',
      help: 'Event time to emission to browsers of a position, by kind of delivery (client, trip, fleet).',
      labelNames: ['kind'],
      buckets: LATENCY_BUCKETS_SECONDS,
      enableExemplars: true,
      registers: [registry],
    });
    this.socketConnections = new Gauge({
      name: 'fleetlab_socket_connections',
      help: 'socket.io connections open on this instance.',
      registers: [registry],
    });
    this.positionsEmitted = new Counter({
      name: 'fleetlab_socket_positions_emitted_total',
      help: 'Positions emitted to sockets: to the asking client, to trip subscribers, or in fleet batches.',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.tripsStarted = new Counter({
      name: 'fleetlab_trips_started_total',
      help: 'Trips requested, by where the request came from.',
      labelNames: ['source'],
      registers: [registry],
    });
    for (const kind of ['client', 'trip', 'fleet'] as const) this.positionsEmitted.inc({ kind }, 0);
    for (const source of ['http', 'socket', 'fleet'] as const) this.tripsStarted.inc({ source }, 0);
  }

  /**
   * Registers `fleetlab_fleets_active`, counted at scrape time by the fleets feature, which owns that query. Until
   * a feature registers it the metric is absent rather than a made-up 0.
   */
  observeActiveFleets(count: () => Promise<number>): Gauge {
    return new Gauge({
      name: 'fleetlab_fleets_active',
      help: 'Fleets with at least one trip not yet finished or cancelled.',
      registers: [this.registry],
      async collect() {
        this.set(await count());
      },
    });
  }
}
