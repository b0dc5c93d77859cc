import { ROOT_CONTEXT, context, type Context } from '@opentelemetry/api';
import { SocketEvents, type AnyPosition, type NewPosition } from '@fleetlab/contracts';
import { traceExemplar } from '@fleetlab/telemetry';
import type { ApiMetrics, EmitKind } from '../metrics/api-metrics';
import { PositionBatcher, type BatcherTimers } from './position-batcher';

export const ALL_FLEETS_ROOM = 'fleet:*';
export const tripRoom = (tripId: string): string => `trip:${tripId}`;
export const fleetRoom = (fleetId: string | undefined): string => (fleetId ? `fleet:${fleetId}` : ALL_FLEETS_ROOM);

/** What the dispatcher needs from socket.io: who is here and a way to emit. */
export interface SocketSink {
  hasSocket(socketId: string): boolean;
  roomSize(room: string): number;
  /** One emit to the union of the targets (socket ids and rooms), so a socket in two of them gets it once. */
  emit(targets: string[], event: string, payload: unknown): void;
}

/**
 * Routes each position from Kafka to the browsers that want it: the socket that asked for the trip (its clientId)
 * and the trip's subscribers get `new-position` one by one; fleet subscribers get it batched in `positions`.
 * Nothing is buffered or emitted for a room nobody is in. A position in the original Code Delivery form (no tripId)
 * goes to its clientId's socket only, as the original backend sent it: it belongs to no trip room or fleet.
 */
export class PositionDispatcher {
  /** Each position keeps the context it was processed in, so its freshness exemplar points at its trace. */
  private readonly batcher: PositionBatcher<{ position: NewPosition; context: Context }>;

  constructor(
    private readonly sink: SocketSink,
    private readonly metrics: ApiMetrics,
    flushMs: number,
    timers?: BatcherTimers,
    private readonly now: () => number = Date.now,
  ) {
    this.batcher = new PositionBatcher<{ position: NewPosition; context: Context }>(
      flushMs,
      (room, items) => {
        this.sink.emit([room], SocketEvents.positions, items.map((i) => i.position));
        this.metrics.positionsEmitted.inc({ kind: 'fleet' }, items.length);
        const at = this.now();
        for (const item of items) context.with(item.context, () => this.observeFreshness(item.position, 'fleet', at));
      },
      timers,
    );
  }

  start(): void {
    this.batcher.start();
  }

  stop(): void {
    this.batcher.stop();
  }

  /** `processed`: the context of the message's process span; emits and their exemplars belong to its trace. */
  dispatch(position: AnyPosition, processed: Context = ROOT_CONTEXT): void {
    if (!('tripId' in position)) {
      context.with(processed, () => this.dispatchOriginal(position));
      return;
    }
    context.with(processed, () => this.dispatchInContext(position, processed));
  }

  private dispatchOriginal(position: AnyPosition): void {
    if (!position.clientId || !this.sink.hasSocket(position.clientId)) return;
    this.sink.emit([position.clientId], SocketEvents.newPosition, position);
    // No event time in the original form, so no freshness sample.
    this.metrics.positionsEmitted.inc({ kind: 'client' });
  }

  private dispatchInContext(position: NewPosition, processed: Context): void {
    const targets: string[] = [];
    const kinds: EmitKind[] = [];
    if (position.clientId && this.sink.hasSocket(position.clientId)) {
      targets.push(position.clientId);
      kinds.push('client');
    }
    const trip = tripRoom(position.tripId);
    if (this.sink.roomSize(trip) > 0) {
      targets.push(trip);
      kinds.push('trip');
    }
    if (targets.length > 0) {
      this.sink.emit(targets, SocketEvents.newPosition, position);
      const at = this.now();
      for (const kind of kinds) {
        this.metrics.positionsEmitted.inc({ kind });
        this.observeFreshness(position, kind, at);
      }
    }
    if (this.sink.roomSize(ALL_FLEETS_ROOM) > 0) this.batcher.add(ALL_FLEETS_ROOM, { position, context: processed });
    if (position.fleetId) {
      const room = fleetRoom(position.fleetId);
      if (this.sink.roomSize(room) > 0) this.batcher.add(room, { position, context: processed });
    }
  }

  private observeFreshness(position: NewPosition, kind: EmitKind, at: number): void {
    const eventTime = Date.parse(position.ts);
    if (Number.isNaN(eventTime)) return;
    // A producer clock slightly ahead would give a negative age; count it as fresh rather than drop it.
    const seconds = Math.max(0, (at - eventTime) / 1000);
    this.metrics.positionFreshness.observe({ labels: { kind }, value: seconds, exemplarLabels: traceExemplar() });
  }
}
