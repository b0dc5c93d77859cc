import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { chunks } from '@fleetlab/runtime';
import { TRIP_INDEX_PAGE, fleetIndexKey, type TripStatus } from '@fleetlab/contracts';
import type { Logger } from '@fleetlab/telemetry';
import { AppConfig } from '../config';
import { LOGGER } from '../common/logger';
import { FLEET_MODEL, type FleetDoc } from '../fleets/fleet.schema';
import { countStatuses, refFleetId } from './read-model';
import { TRIP_MODEL, TRIP_POSITION_MODEL, type TripDoc, type TripPositionDoc } from './trip.schema';
import { TripIndexService } from './trip-index.service';
import { ALL_TRIPS } from './trip-list';
import { TripsService } from './trips.service';
import { collectionOf } from '../database/collection';

/** Entries of the `all` list one retention pass looks at, at most: a pass stays short, the next one goes on. */
export const RETENTION_ENTRIES_PER_PASS = 200;

export interface RetentionPass {
  trips: number;
  positions: number;
  fleets: number;
}

/**
 * Retention (API_RETENTION_HOURS): walks the list of every trip from its oldest entry and deletes what finished (or
 * was cancelled) longer ago than the retention age, trip by trip, each position by its `_id`, then the entry itself;
 * it stops at the first entry too young or still moving, so the list stays ordered and the pass bounded. Every delete
 * names its document, and a pass cut short by a crash is simply done again.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    @InjectModel(TRIP_MODEL) private readonly trips: Model<TripDoc>,
    @InjectModel(TRIP_POSITION_MODEL) private readonly positions: Model<TripPositionDoc>,
    @InjectModel(FLEET_MODEL) private readonly fleets: Model<FleetDoc>,
    private readonly index: TripIndexService,
    private readonly tripsService: TripsService,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.API_RETENTION_HOURS <= 0) return;
    this.timer = setInterval(() => void this.tick(), this.config.API_RETENTION_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const pass = await this.prune(new Date(Date.now() - this.config.API_RETENTION_HOURS * 3_600_000));
      if (pass.trips > 0) this.logger.info(pass, 'retention: old trips pruned');
    } catch (error) {
      this.logger.warn({ err: error }, 'retention pass failed; the next one goes on');
    } finally {
      this.running = false;
    }
  }

  /** One pass: prunes what ended before `cutoff`, oldest first. */
  async prune(cutoff: Date, maxEntries = RETENTION_ENTRIES_PER_PASS): Promise<RetentionPass> {
    const pass: RetentionPass = { trips: 0, positions: 0, fleets: 0 };
    const { entries: end } = await this.index.head(ALL_TRIPS);
    let slot = await this.index.pruneCursor(ALL_TRIPS);
    const stop = Math.min(end, slot + maxEntries);
    while (slot < stop) {
      const to = Math.min(stop, (Math.floor(slot / TRIP_INDEX_PAGE) + 1) * TRIP_INDEX_PAGE);
      const slots = await this.index.slots(ALL_TRIPS, slot, to);
      for (; slot < to; slot++) {
        const entry = slots.get(slot);
        if (entry !== undefined && !(await this.pruneEntry(entry, cutoff, pass))) {
          await this.index.setPruneCursor(ALL_TRIPS, slot);
          return pass;
        }
      }
    }
    await this.index.setPruneCursor(ALL_TRIPS, slot);
    return pass;
  }

  /** Deletes one entry's trips if they are all old enough and done; false when it has to wait. */
  private async pruneEntry(entry: string, cutoff: Date, pass: RetentionPass): Promise<boolean> {
    const fleetId = refFleetId(entry);
    if (fleetId === undefined) {
      const trip = await this.trips.findById(entry).lean<TripDoc>();
      if (!trip) return true;
      if (!isDone(trip.status, ended(trip), cutoff) && !isStuck(trip.requestedAt, cutoff)) return false;
      await this.deleteTrip(trip, pass);
      for (const at of trip.indexEntries ?? []) await this.index.remove(entry, at);
      return true;
    }
    const fleet = await this.tripsService.fleetDoc(fleetId);
    if (!fleet) return true;
    const counts = countStatuses(await this.tripsService.fleetStatuses(fleet));
    const settled = counts.requested + counts.running === 0;
    const done = settled && new Date(fleet.cancelledAt ?? fleet.createdAt) < cutoff;
    if (!done && !isStuck(fleet.createdAt, cutoff)) return false;
    const indexes = Array.from({ length: fleet.vehicles }, (_, i) => i);
    for (const part of chunks(indexes, 1000)) {
      const ids = (await this.tripsService.fleetTripIds(fleetId, part)).filter((id): id is string => id !== undefined);
      for (const doc of await this.tripsService.tripDocs(ids)) if (doc) await this.deleteTrip(doc, pass);
    }
    await this.index.dropFleetProgress(fleetId, fleet.vehicles);
    await this.index.dropList(fleetIndexKey(fleetId), fleet.vehicles);
    for (const at of fleet.indexEntries ?? []) await this.index.remove(entry, at);
    await this.fleets.deleteOne({ _id: fleetId });
    pass.fleets++;
    return true;
  }

  /** A trip's positions by their `_id`s, then the trip. */
  private async deleteTrip(trip: TripDoc, pass: RetentionPass): Promise<void> {
    const points = Math.max(trip.total ?? 0, trip.count ?? 0);
    const ids = Array.from({ length: points }, (_, seq) => `${trip._id}:${seq}`);
    for (const part of chunks(ids)) {
      const result = await collectionOf(this.positions).bulkWrite(
        part.map((_id) => ({ deleteOne: { filter: { _id } } })),
        { ordered: false },
      );
      pass.positions += result.deletedCount;
    }
    await this.trips.deleteOne({ _id: trip._id });
    pass.trips++;
  }
}

function ended(trip: TripDoc): Date {
  return new Date(trip.finishedAt ?? trip.cancelledAt ?? trip.requestedAt);
}

/** Requested twice the retention age ago and still not done: a trip whose direction was lost; it goes too. */
function isStuck(requestedAt: Date, cutoff: Date): boolean {
  const at = new Date(requestedAt).getTime();
  return at < cutoff.getTime() - (Date.now() - cutoff.getTime());
}

function isDone(status: TripStatus, at: Date, cutoff: Date): boolean {
  return (status === 'finished' || status === 'cancelled') && at < cutoff;
}
