import type { NewDirection } from '@fleetlab/contracts';
import type { ValidMessage } from '@fleetlab/runtime';
import type { Logger } from '@fleetlab/telemetry';
import type { SimulatorMetrics } from './metrics';
import type { RouteLookup } from './route-client';
import type { TripPlayer } from './trip-player';

/** A valid direction that can't be played, e.g. on an unknown route. */
export interface RejectedDirection {
  message: ValidMessage<NewDirection>;
  reason: string;
}

export interface DirectionIntakeOptions {
  routes: { get(id: string): Promise<RouteLookup> };
  player: Pick<TripPlayer, 'refusal' | 'start'>;
  deadLetter(rejected: RejectedDirection[]): Promise<void>;
  metrics: SimulatorMetrics;
  logger: Logger;
  /** A direction started a trip: its offset is not done until the trip is (./direction-offsets.ts). */
  started?: (partition: number, offset: string, tripId: string) => void;
}

/**
 * Turns a batch of valid directions into running trips. All or nothing: every route of the batch is looked up
 * first, and a transient failure throws before any trip starts, so the redelivered batch starts each trip once.
 */
export class DirectionIntake {
  constructor(private readonly options: DirectionIntakeOptions) {}

  async handle(messages: ValidMessage<NewDirection>[]): Promise<void> {
    const { routes, player, metrics, logger } = this.options;
    const playable: ValidMessage<NewDirection>[] = [];
    for (const message of messages) {
      const refusal = player.refusal(message.value);
      if (refusal) metrics.directionsDropped.inc({ reason: refusal });
      else playable.push(message);
    }
    const routeIds = [...new Set(playable.map((m) => m.value.routeId))];
    // Throws on a transient failure: ValidatingConsumer then leaves the batch uncommitted and kafkajs redelivers it.
    const lookups = new Map(await Promise.all(routeIds.map(async (id) => [id, await routes.get(id)] as const)));
    const rejected: RejectedDirection[] = [];
    const accepted: Array<{ message: ValidMessage<NewDirection>; lookup: RouteLookup & { ok: true } }> = [];
    for (const message of playable) {
      const lookup = lookups.get(message.value.routeId);
      if (!lookup) continue;
      if (!lookup.ok) rejected.push({ message, reason: lookup.reason });
      else if ((message.value.fromSeq ?? 0) >= lookup.route.points.length) {
        rejected.push({
          message,
          reason: `fromSeq ${message.value.fromSeq} past the end of route ${lookup.route.id} (${lookup.route.points.length} points)`,
        });
      } else accepted.push({ message, lookup });
    }
    // Dead-letter before starting anything: if the DLQ send fails, the whole batch comes again.
    await this.options.deadLetter(rejected);
    let started = 0;
    for (const { message, lookup } of accepted) {
      const result = player.start(message.value, lookup.route, message.context);
      if (result === 'added') {
        started++;
        this.options.started?.(message.partition, message.offset, message.value.tripId);
      } else metrics.directionsDropped.inc({ reason: result });
    }
    if (started > 0 || rejected.length > 0) {
      logger.info({ directions: messages.length, started, deadLettered: rejected.length }, 'directions handled');
    }
  }
}
