import { ROOT_CONTEXT, SpanKind, context, trace, type Context, type Span } from '@opentelemetry/api';
import type { Producer } from 'kafkajs';
import { Topics, type CancelTrips, type NewDirection, type NewPosition } from '@fleetlab/contracts';
import type { SimulatorMetrics } from './metrics';
import type { PositionPublisher, PositionRecord } from './position-publisher';
import { RecentSet } from './recent-set';
import type { CachedRoute } from './route-client';
import { intervalMs, Scheduler, type AddResult, type TripPlan } from './scheduler';
import { kafkaAttributes, traceHeaders, type KafkaMetrics, type Logger } from '@fleetlab/telemetry';

/** A running trip: the direction's ids, the shared route points, its span. Nothing per point. */
export interface Trip extends TripPlan {
  routeId: string;
  vehicleId: string;
  clientId: string;
  /** The pace the direction asked for, handed on as it came (absent means "the simulator's default"). */
  paceMs?: number;
  span: Span;
  /** The trip span's context as Kafka headers, computed once and copied onto every position. */
  traceHeaders: Record<string, string>;
}

export interface TripPlayerOptions {
  publisher: PositionPublisher;
  /** The shared producer, for the hand-off of running trips at shutdown. */
  producer: Pick<Producer, 'send'>;
  defaultPaceMs: number;
  speedFactor: number;
  tickMs: number;
  maxBatchMessages: number;
  /** Past this many positions waiting for Kafka, ticks collect nothing: positions come late, memory stays flat. */
  maxPendingMessages: number;
  metrics: SimulatorMetrics;
  kafkaMetrics: KafkaMetrics;
  logger: Logger;
  now?: () => number;
  /** How many cancelled trip ids (and, a tenth of it, fleet ids) to remember for directions that arrive late. */
  cancelMemory?: number;
  /** How many played-out trip ids to remember, so a direction redelivered after a rebalance is not played twice. */
  finishedMemory?: number;
  /** Trips stopped here for good (cancelled) or handed on: their directions are done. */
  onEnded?: (tripIds: string[]) => void;
}

export type StartResult = AddResult | 'cancelled';

const tracer = trace.getTracer('simulator');

/**
 * Plays trips: one scheduler, one timer for the whole process. Each tick collects every due position of every trip
 * and hands them to the publisher in one go. Also cancels trips and hands running ones on at shutdown.
 */
export class TripPlayer {
  private readonly scheduler = new Scheduler<Trip>();
  private readonly cancelledTrips: RecentSet;
  private readonly cancelledFleets: RecentSet;
  private readonly finishedTrips: RecentSet;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: TripPlayerOptions) {
    this.now = options.now ?? Date.now;
    const memory = options.cancelMemory ?? 100_000;
    this.cancelledTrips = new RecentSet(memory);
    this.cancelledFleets = new RecentSet(Math.max(1, Math.ceil(memory / 10)));
    this.finishedTrips = new RecentSet(options.finishedMemory ?? 100_000);
  }

  get activeTrips(): number {
    return this.scheduler.size;
  }

  /** Why a direction should not be played before its route is even looked up, if it shouldn't. */
  refusal(direction: NewDirection): 'cancelled' | 'duplicate' | undefined {
    if (this.isCancelled(direction)) return 'cancelled';
    if (this.scheduler.has(direction.tripId) || this.finishedTrips.has(direction.tripId)) return 'duplicate';
    return undefined;
  }

  /** Accepts a trip into the scheduler; its first point is due at once. `parent`: the direction's process span. */
  start(direction: NewDirection, route: CachedRoute, parent: Context = ROOT_CONTEXT): StartResult {
    if (this.isCancelled(direction)) return 'cancelled';
    if (this.scheduler.has(direction.tripId) || this.finishedTrips.has(direction.tripId)) return 'duplicate';
    const fromSeq = direction.fromSeq ?? 0;
    if (fromSeq >= route.points.length) return 'beyond-end';
    const span = tracer.startSpan(
      'trip.play',
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'fleetlab.trip.id': direction.tripId,
          'fleetlab.route.id': direction.routeId,
          'fleetlab.trip.points': route.points.length,
          'fleetlab.vehicle.id': direction.vehicleId,
          'fleetlab.trip.from_seq': fromSeq,
          ...(direction.fleetId !== undefined ? { 'fleetlab.fleet.id': direction.fleetId } : {}),
        },
      },
      parent,
    );
    const trip: Trip = {
      tripId: direction.tripId,
      routeId: direction.routeId,
      vehicleId: direction.vehicleId,
      clientId: direction.clientId,
      points: route.points,
      intervalMs: intervalMs(direction.paceMs, this.options.defaultPaceMs, this.options.speedFactor),
      fromSeq,
      span,
      traceHeaders: traceHeaders(span),
    };
    if (direction.fleetId !== undefined) trip.fleetId = direction.fleetId;
    if (direction.paceMs !== undefined) trip.paceMs = direction.paceMs;
    const result = this.scheduler.add(trip, this.now());
    if (result !== 'added') {
      span.end();
      return result;
    }
    this.options.metrics.tripsStarted.inc();
    this.inSpan(span, () =>
      this.options.logger.info(
        { tripId: trip.tripId, routeId: trip.routeId, fromSeq, points: route.points.length, intervalMs: trip.intervalMs },
        'trip started',
      ),
    );
    return 'added';
  }

  /** Stops one trip (tripId given; fleetId then only says which fleet it is in) or every trip of a fleet. */
  cancel(cancel: CancelTrips): number {
    let stopped: Trip[];
    if (cancel.tripId !== undefined) {
      this.cancelledTrips.add(cancel.tripId);
      const trip = this.scheduler.cancel(cancel.tripId);
      stopped = trip ? [trip] : [];
    } else if (cancel.fleetId !== undefined) {
      this.cancelledFleets.add(cancel.fleetId);
      stopped = this.scheduler.cancelFleet(cancel.fleetId);
    } else {
      stopped = [];
    }
    for (const trip of stopped) {
      this.endSpan(trip, 'cancelled');
      this.inSpan(trip.span, () =>
        this.options.logger.info({ tripId: trip.tripId, reason: cancel.reason }, 'trip cancelled'),
      );
    }
    this.options.metrics.tripsCancelled.inc(stopped.length);
    if (stopped.length > 0) this.options.onEnded?.(stopped.map((t) => t.tripId));
    return stopped.length;
  }

  /** Starts the one timer of the process. */
  run(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (error) {
        this.options.logger.error({ err: error }, 'scheduler tick failed');
      }
    }, this.options.tickMs);
  }

  /** Collects every due position and hands them to the publisher; returns how many. */
  tick(now = this.now()): number {
    const { publisher, metrics } = this.options;
    const room = this.options.maxPendingMessages - publisher.pending;
    if (room <= 0) return 0;
    const due = this.scheduler.collect(now, room);
    if (due.length === 0) return 0;
    const messages: PositionRecord[] = new Array(due.length);
    for (let i = 0; i < due.length; i++) {
      const { trip, seq, position, dueMs, finished } = due[i] as (typeof due)[number];
      const event: NewPosition = {
        routeId: trip.routeId,
        clientId: trip.clientId,
        position,
        finished,
        tripId: trip.tripId,
        vehicleId: trip.vehicleId,
        seq,
        ts: new Date(dueMs).toISOString(),
        total: trip.points.length,
      };
      if (trip.fleetId !== undefined) event.fleetId = trip.fleetId;
      const message = this.outgoing(trip, event);
      messages[i] = message;
      metrics.schedulerDrift.observe((now - dueMs) / 1_000);
      if (finished) {
        message.lastOf = trip.tripId;
        this.finishedTrips.add(trip.tripId);
        metrics.tripsFinished.inc();
        this.endSpan(trip, 'finished');
      }
    }
    publisher.enqueue(messages);
    return due.length;
  }

  /**
   * At shutdown, after the consumers stopped: stop the timer, let queued positions out, then hand every running
   * trip on as a route.new-direction with fromSeq = its next point, so whichever simulator reads it resumes it.
   */
  async handOff(): Promise<number> {
    this.stop();
    const { publisher, producer, kafkaMetrics, metrics, logger } = this.options;
    publisher.retryNow();
    await publisher.flush();
    const running = this.scheduler.drain();
    if (running.length === 0) return 0;
    const messages = running.map(({ trip, nextSeq }) => {
      const direction: NewDirection = {
        clientId: trip.clientId,
        routeId: trip.routeId,
        tripId: trip.tripId,
        vehicleId: trip.vehicleId,
        fromSeq: nextSeq,
      };
      if (trip.paceMs !== undefined) direction.paceMs = trip.paceMs;
      if (trip.fleetId !== undefined) direction.fleetId = trip.fleetId;
      return { key: trip.tripId, value: JSON.stringify(direction), headers: { ...trip.traceHeaders } };
    });
    for (let i = 0; i < messages.length; i += this.options.maxBatchMessages) {
      const chunk = messages.slice(i, i + this.options.maxBatchMessages);
      await producer.send({ topic: Topics.newDirection, messages: chunk, acks: -1 });
      kafkaMetrics.produced.inc({ topic: Topics.newDirection }, chunk.length);
    }
    for (const { trip } of running) this.endSpan(trip, 'handed_off');
    metrics.tripsHandedOff.inc(running.length);
    this.options.onEnded?.(running.map(({ trip }) => trip.tripId));
    logger.info({ trips: running.length }, 'running trips handed on to route.new-direction');
    return running.length;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private isCancelled(direction: NewDirection): boolean {
    return (
      this.cancelledTrips.has(direction.tripId) ||
      (direction.fleetId !== undefined && this.cancelledFleets.has(direction.fleetId))
    );
  }

  /**
   * A position of a traced trip gets its own producer span, a child of the trip's span, so the trip's trace shows
   * every point and whatever reads it (socket delivery, persistence) hangs below that point. An untraced trip's
   * positions carry the trip's unsampled context, so readers don't start traces of their own either.
   */
  private outgoing(trip: Trip, event: NewPosition): PositionRecord {
    const value = JSON.stringify(event);
    if (!trip.span.isRecording()) return { key: trip.tripId, value, headers: trip.traceHeaders };
    const span = tracer.startSpan(
      `send ${Topics.newPosition}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: kafkaAttributes('send', Topics.newPosition, trip.tripId, {
          'messaging.message.body.size': Buffer.byteLength(value),
          'fleetlab.position.seq': event.seq,
          'fleetlab.trip.id': trip.tripId,
        }),
      },
      trace.setSpan(context.active(), trip.span),
    );
    return { key: trip.tripId, value, headers: traceHeaders(span), span };
  }

  private endSpan(trip: Trip, outcome: 'finished' | 'cancelled' | 'handed_off'): void {
    trip.span.setAttribute('fleetlab.trip.outcome', outcome);
    if (outcome === 'finished') this.inSpan(trip.span, () => this.options.logger.info({ tripId: trip.tripId }, 'trip finished'));
    trip.span.end();
  }

  private inSpan(span: Span, fn: () => void): void {
    context.with(trace.setSpan(context.active(), span), fn);
  }
}
