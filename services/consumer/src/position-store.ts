import { chunks } from '@fleetlab/runtime';
import {
  MongoBulkWriteError,
  MongoServerError,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type WriteError,
} from 'mongodb';
import type { LngLat, NewPosition } from '@fleetlab/contracts';
import type { Logger } from '@fleetlab/telemetry';
import { projectTrips, type TripDocument, type TripUpdate } from './trip-projection';

export const Collections = { positions: 'trip_positions', trips: 'trips' } as const;
export type CollectionName = (typeof Collections)[keyof typeof Collections];

/** One stored point of a trip; `_id` is `<tripId>:<seq>`, so storing it twice is a duplicate-key error, not a copy. */
export interface PositionDocument {
  _id: string;
  tripId: string;
  seq: number;
  position: LngLat;
  ts: Date;
  routeId: string;
  vehicleId: string;
  storedAt: Date;
}

export interface StoreBatchResult {
  /** Positions inserted by this call. */
  stored: number;
  /** Positions already stored (a redelivery) or repeated within the batch. */
  duplicates: number;
  /** Trips this call moved to `finished`. */
  finished: number;
  /** Event time to stored, in seconds, of each position inserted by this call. */
  lagSeconds: number[];
}

export interface PositionStoreOptions {
  logger?: Logger;
  /** Called after every bulk write, successful or not, with its duration. */
  onWrite?(collection: CollectionName, seconds: number): void;
  /** Attempts at the trip updates when a concurrent write got there first, before the batch is failed. */
  maxAttempts?: number;
}

const DUPLICATE_KEY = 11000;
export const POSITIONS_UNIQUE_INDEX = 'tripId_1_seq_1';

/**
 * Trip state and position history in MongoDB, without transactions (FerretDB has none): positions are inserted
 * first with deterministic ids, then trips are updated conditionally from what was read. See README.md.
 */
export class PositionStore {
  readonly positions: Collection<PositionDocument>;
  readonly trips: Collection<TripDocument>;
  private readonly maxAttempts: number;

  constructor(
    private readonly db: Db,
    private readonly options: PositionStoreOptions = {},
  ) {
    this.positions = db.collection<PositionDocument>(Collections.positions);
    this.trips = db.collection<TripDocument>(Collections.trips);
    this.maxAttempts = options.maxAttempts ?? 5;
  }

  async ensureIndexes(): Promise<void> {
    await this.positions.createIndex({ tripId: 1, seq: 1 }, { unique: true, name: POSITIONS_UNIQUE_INDEX });
  }

  /** Resolves when the database answers a ping. */
  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  /**
   * Stores a batch idempotently: ONE unordered insert of the positions, then ONE bulk write of the trip updates
   * (repeated only if a concurrent write to the same trip got there first). Throws on any other write error, so
   * the caller fails the batch and Kafka redelivers it.
   */
  async storeBatch(batch: readonly NewPosition[]): Promise<StoreBatchResult> {
    if (batch.length === 0) return { stored: 0, duplicates: 0, finished: 0, lagSeconds: [] };
    const storedAt = new Date();
    const documents = new Map<string, PositionDocument>();
    for (const p of batch) {
      const _id = `${p.tripId}:${p.seq}`;
      if (documents.has(_id)) continue;
      documents.set(_id, {
        _id,
        tripId: p.tripId,
        seq: p.seq,
        position: p.position,
        ts: new Date(p.ts),
        routeId: p.routeId,
        vehicleId: p.vehicleId,
        storedAt,
      });
    }
    const list = [...documents.values()];
    const existing = await this.insertPositions(list);
    const inserted = list.filter((_, index) => !existing.has(index));
    // The trips are updated from every position of the batch, inserted now or before: a crash between the two
    // writes leaves positions stored but not counted, and this is where the redelivery counts them.
    const finished = await this.updateTrips(batch);
    return {
      stored: inserted.length,
      duplicates: batch.length - inserted.length,
      finished,
      lagSeconds: inserted.map((d) => Math.max(0, (storedAt.getTime() - d.ts.getTime()) / 1000)),
    };
  }

  /** Inserts the positions; returns the indexes of those already stored. */
  private async insertPositions(list: PositionDocument[]): Promise<Set<number>> {
    try {
      await this.timed(Collections.positions, () => this.positions.insertMany(list, { ordered: false }));
      return new Set();
    } catch (error) {
      if (error instanceof MongoBulkWriteError && !error.writeConcernError) {
        const writeErrors = toArray(error.writeErrors);
        if (writeErrors.length > 0 && writeErrors.every((w) => w.code === DUPLICATE_KEY)) {
          return new Set(writeErrors.map((w) => w.index));
        }
      } else if (error instanceof MongoServerError && error.code === DUPLICATE_KEY && list.length === 1) {
        return new Set([0]);
      }
      throw error;
    }
  }

  /** Applies the batch to `trips`; returns how many trips it finished. */
  private async updateTrips(batch: readonly NewPosition[]): Promise<number> {
    const tripIds = [...new Set(batch.map((p) => p.tripId))];
    let finished = 0;
    let previous: TripUpdate[] = [];
    for (let attempt = 1; ; attempt++) {
      const found = await this.trips
        .find({ _id: { $in: tripIds } }, { projection: { status: 1, lastSeq: 1, startedAt: 1 } })
        .toArray();
      const current = new Map(found.map((t) => [t._id, t]));
      // Of a conflicted attempt, the updates that did land (the trip now ends where they ended it) were ours.
      finished += previous.filter((u) => u.finishes && current.get(u.tripId)?.lastSeq === u.lastSeq).length;
      const { updates } = projectTrips(current, batch);
      if (updates.length === 0) return finished;
      const applied = await this.writeTripUpdates(updates);
      if (applied === updates.length) return finished + updates.filter((u) => u.finishes).length;
      if (attempt >= this.maxAttempts) {
        throw new Error(`trip updates still conflicting after ${attempt} attempts (${updates.length - applied} of ${updates.length})`);
      }
      this.options.logger?.info({ attempt, conflicts: updates.length - applied }, 'trip updated concurrently, re-reading');
      previous = updates;
    }
  }

  /** Returns how many updates matched; a conditional filter that no longer matches is a conflict, not an error. */
  private async writeTripUpdates(updates: TripUpdate[]): Promise<number> {
    const operations: AnyBulkWriteOperation<TripDocument>[] = updates.map((u) => ({
      updateOne: { filter: u.filter, update: u.update, upsert: u.upsert },
    }));
    let applied = 0;
    try {
      for (const chunk of chunks(operations)) {
        const result = await this.timed(Collections.trips, () => this.trips.bulkWrite(chunk, { ordered: false }));
        applied += result.matchedCount + result.upsertedCount;
      }
      return applied;
    } catch (error) {
      // An upsert racing another writer of the same new trip loses with a duplicate key. FerretDB also stops the
      // rest of an unordered update batch at that error, so the count is taken as partial and re-read.
      if (
        error instanceof MongoBulkWriteError &&
        !error.writeConcernError &&
        toArray(error.writeErrors).every((w) => w.code === DUPLICATE_KEY)
      ) {
        return Math.min(updates.length - 1, applied + error.result.matchedCount + error.result.upsertedCount);
      }
      throw error;
    }
  }

  private async timed<T>(collection: CollectionName, write: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    try {
      return await write();
    } finally {
      this.options.onWrite?.(collection, Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
}

// The driver types writeErrors as one error or many.
function toArray(errors: WriteError | readonly WriteError[]): readonly WriteError[] {
  return isMany(errors) ? errors : [errors];
}

function isMany(errors: WriteError | readonly WriteError[]): errors is readonly WriteError[] {
  return Array.isArray(errors);
}
