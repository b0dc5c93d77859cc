import { alreadyStored, chunks, pingWithin } from '@fleetlab/runtime';
import {
  MongoBulkWriteError,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
} from 'mongodb';
import {
  DocumentCollections,
  FLEET_PROGRESS_BLOCK,
  ReadModelCollections,
  fleetProgressId,
  fleetProgressSet,
  fleetVehicleIndex,
  type NewPosition,
  type TripPositionDocument,
} from '@fleetlab/contracts';
import type { Logger } from '@fleetlab/telemetry';
import { projectTrips, type TripDocument, type TripState, type TripUpdate } from './trip-projection';

export const Collections = {
  positions: DocumentCollections.tripPositions,
  trips: DocumentCollections.trips,
  fleetProgress: ReadModelCollections.fleetProgress,
} as const;
export type CollectionName = (typeof Collections)[keyof typeof Collections];

/** One stored point of a trip (declared in @fleetlab/contracts, documents.ts). */
export type PositionDocument = TripPositionDocument;

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

export interface TripHistoryStoreOptions {
  logger?: Logger;
  /** Called after every bulk write, successful or not, with its duration. */
  onWrite?(collection: CollectionName, seconds: number): void;
  /** Attempts at the trip updates when a concurrent write got there first, before the batch is failed. */
  maxAttempts?: number;
  /** A running trip's progress (lastSeq, lastPosition, count) is written at most this often; status changes at once. */
  progressIntervalMs?: number;
  /** Trips whose last written state is kept, so their next batch needs no read. */
  maxKnownTrips?: number;
  now?(): number;
}

export const DEFAULT_PROGRESS_INTERVAL_MS = 5_000;

/** Trips read by `_id` at once. */
const READ_CONCURRENCY = 8;
export const POSITIONS_UNIQUE_INDEX = 'tripId_1_seq_1';

/**
 * Trip state and position history in MongoDB, without transactions (FerretDB has none): positions are inserted
 * first with deterministic ids, then trips are updated conditionally from what was read. See README.md.
 */
export class TripHistoryStore {
  readonly positions: Collection<PositionDocument>;
  readonly trips: Collection<TripDocument>;
  readonly fleetProgress: Collection<{ _id: string }>;
  private readonly maxAttempts: number;
  private readonly progressIntervalMs: number;
  private readonly maxKnownTrips: number;
  private readonly now: () => number;
  /** The state this store last wrote of each running trip, in order of writing. */
  private readonly known = new Map<string, { state: TripState; writtenAt: number }>();
  /** Progress not yet written, one update per trip, written once due or at flush(). */
  private readonly deferred = new Map<string, TripUpdate>();

  constructor(
    private readonly db: Db,
    private readonly options: TripHistoryStoreOptions = {},
  ) {
    this.positions = db.collection<PositionDocument>(Collections.positions);
    this.trips = db.collection<TripDocument>(Collections.trips);
    this.fleetProgress = db.collection<{ _id: string }>(Collections.fleetProgress);
    this.maxAttempts = options.maxAttempts ?? 5;
    this.progressIntervalMs = options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
    this.maxKnownTrips = options.maxKnownTrips ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  async ensureIndexes(): Promise<void> {
    await this.positions.createIndex({ tripId: 1, seq: 1 }, { unique: true, name: POSITIONS_UNIQUE_INDEX });
  }

  /** Resolves when the database answers a ping within `timeoutMs`. */
  async ping(timeoutMs: number): Promise<void> {
    await pingWithin(this.db, timeoutMs);
  }

  /**
   * Stores a batch idempotently: ONE unordered insert of the positions, then the trip updates that are due
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
      const stored = alreadyStored(error, list.length);
      if (stored) return stored;
      throw error;
    }
  }

  /**
   * Brings `trips` up to date with the batch; returns how many trips it finished.
   *
   * Every trip is written from the state this store last wrote (no read), and a running trip's progress at most once
   * per progressInterval: a batch's status changes are written before it commits, its progress may wait for a later
   * batch. The positions are stored either way, so a crash loses no history; it can leave a running trip's progress
   * behind until its next batch or its finish, which are written from the positions themselves.
   */
  private async updateTrips(batch: readonly NewPosition[]): Promise<number> {
    const now = this.now();
    const current = await this.tripStates(batch);
    const due: TripUpdate[] = [];
    for (const update of projectTrips(current, batch).updates) {
      if (update.changesStatus || this.progressDue(update.tripId, now)) {
        due.push(update);
        this.deferred.delete(update.tripId);
      } else {
        this.deferred.set(update.tripId, update);
      }
    }
    // Progress deferred by earlier batches, of trips this batch does not carry.
    for (const [tripId, update] of this.deferred) {
      if (!this.progressDue(tripId, now)) continue;
      due.push(update);
      this.deferred.delete(tripId);
    }
    return this.applyTripUpdates(due, batch, current);
  }

  /** Writes the progress every trip has waiting; for a clean shutdown. */
  async flush(): Promise<void> {
    const waiting = [...this.deferred.values()];
    this.deferred.clear();
    if (waiting.length > 0) await this.applyTripUpdates(waiting, [], new Map());
  }

  private progressDue(tripId: string, now: number): boolean {
    const known = this.known.get(tripId);
    return known === undefined || now - known.writtenAt >= this.progressIntervalMs;
  }

  /**
   * The stored state of each trip of the batch, as far as a write needs it: what this store wrote last; for a trip
   * first seen at seq 0, a new trip as the api requests it; read from the database only for the rest (after a
   * restart or a rebalance). A wrong guess costs one conflict, then a read: every update is conditional.
   */
  private async tripStates(batch: readonly NewPosition[]): Promise<Map<string, TripState>> {
    const firstSeq = new Map<string, number>();
    for (const p of batch) firstSeq.set(p.tripId, Math.min(p.seq, firstSeq.get(p.tripId) ?? p.seq));
    const states = new Map<string, TripState>();
    const unknown: string[] = [];
    for (const [tripId, seq] of firstSeq) {
      const known = this.known.get(tripId);
      if (known) states.set(tripId, known.state);
      else if (seq === 0) states.set(tripId, { _id: tripId, status: 'requested' });
      else unknown.push(tripId);
    }
    for (const trip of await this.readTrips(unknown)) states.set(trip._id, trip);
    return states;
  }

  /**
   * Reads trips one by one by `_id` (FerretDB pushes nothing else down: an `$in` reads the whole collection), and
   * records the status of the fleet trips among them in `fleet_progress` again: a crash between a trip's status
   * write and its fleet's record is repaired by the redelivery that reads the trip.
   */
  private async readTrips(tripIds: readonly string[]): Promise<TripState[]> {
    if (tripIds.length === 0) return [];
    const found: TripState[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tripIds.length) {
        const tripId = tripIds[next++]!;
        const trip = await this.trips.findOne(
          { _id: tripId },
          { projection: { status: 1, lastSeq: 1, startedAt: 1, fleetId: 1, vehicleId: 1 } },
        );
        if (trip) found.push(trip);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, tripIds.length) }, worker));
    await this.recordFleetStatuses(found.map((t) => ({ fleetId: t.fleetId, vehicleId: t.vehicleId, status: t.status })));
    return found;
  }

  /**
   * Sets each fleet trip's status flag in its fleet's progress document (one update per fleet block): set-once flags,
   * so writing one again, late or twice changes nothing (docs/architecture.md, "Read models").
   */
  private async recordFleetStatuses(trips: ReadonlyArray<{ fleetId?: string; vehicleId?: string; status?: string }>): Promise<void> {
    const byBlock = new Map<string, Record<string, 1>>();
    for (const trip of trips) {
      if (!trip.fleetId || !trip.vehicleId || !trip.status) continue;
      const index = fleetVehicleIndex(trip.fleetId, trip.vehicleId);
      const set = index === undefined ? undefined : fleetProgressSet(index, trip.status);
      if (index === undefined || !set) continue;
      const id = fleetProgressId(trip.fleetId, Math.floor(index / FLEET_PROGRESS_BLOCK));
      byBlock.set(id, { ...byBlock.get(id), ...set });
    }
    if (byBlock.size === 0) return;
    const operations = [...byBlock].map(([_id, $set]) => ({ updateOne: { filter: { _id }, update: { $set }, upsert: true } }));
    for (const chunk of chunks(operations)) {
      await this.timed(Collections.fleetProgress, () => this.fleetProgress.bulkWrite(chunk, { ordered: false }));
    }
  }

  /**
   * Writes the updates in chunks; a chunk that matched fewer than it sent had a conflict (a concurrent write, a
   * wrong guess), so its trips are read and their updates projected again from the batch, up to maxAttempts.
   */
  private async applyTripUpdates(
    updates: TripUpdate[],
    batch: readonly NewPosition[],
    current: ReadonlyMap<string, TripState>,
  ): Promise<number> {
    let finished: number;
    // The fleet trips whose status changed, recorded in their fleets' progress once, after every trip write of the
    // batch: one update per fleet block, not one per chunk.
    const statusChanges: Array<{ tripId: string; fleetId: string; vehicleId: string; status: string }> = [];
    try {
      finished = await this.writeUpdates(updates, batch, current, statusChanges);
    } catch (error) {
      // The batch is redelivered: its trips are read again then, and a trip read has its flag written again.
      for (const change of statusChanges) this.known.delete(change.tripId);
      throw error;
    }
    try {
      await this.recordFleetStatuses(statusChanges);
    } catch (error) {
      for (const change of statusChanges) this.known.delete(change.tripId);
      throw error;
    }
    return finished;
  }

  /** The trip writes of applyTripUpdates; `statusChanges` collects the fleet trips whose status they changed. */

  private async writeUpdates(
    updates: TripUpdate[],
    batch: readonly NewPosition[],
    current: ReadonlyMap<string, TripState>,
    statusChanges: Array<{ tripId: string; fleetId: string; vehicleId: string; status: string }>,
  ): Promise<number> {
    let finished = 0;
    let pending = updates;
    let states = current;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const conflicted: TripUpdate[] = [];
      for (const chunk of chunks(pending)) {
        if ((await this.writeTripUpdates(chunk)) === chunk.length) {
          for (const update of chunk) {
            this.remember(update, states.get(update.tripId));
            if (update.finishes) finished++;
          }
          for (const u of chunk) {
            if (u.fleetId && u.update.$set.status) statusChanges.push({ tripId: u.tripId, fleetId: u.fleetId, vehicleId: u.vehicleId, status: u.update.$set.status as string });
          }
        } else {
          conflicted.push(...chunk);
        }
      }
      if (conflicted.length === 0) break;
      if (attempt >= this.maxAttempts) {
        throw new Error(`trip updates still conflicting after ${attempt} attempts (${conflicted.length} trips in conflicting chunks)`);
      }
      this.options.logger?.info({ attempt, trips: conflicted.length }, 'trip updated concurrently, re-reading');
      const ids = new Set(conflicted.map((u) => u.tripId));
      for (const tripId of ids) this.known.delete(tripId);
      const found = await this.readTrips([...ids]);
      states = new Map(found.map((t) => [t._id, t]));
      // Of a conflicting chunk, the updates that did land (the trip now ends where they ended it) were ours.
      finished += conflicted.filter((u) => u.finishes && states.get(u.tripId)?.lastSeq === u.lastSeq).length;
      // Deferred progress of a trip not in the batch is dropped here: its next batch or finish writes it.
      pending = projectTrips(states, batch.filter((p) => ids.has(p.tripId))).updates;
    }
    return finished;
  }

  /** Keeps the state an update left, least recently written first; a finished trip is done with. */
  private remember(update: TripUpdate, read: TripState | undefined): void {
    const before = read ?? this.known.get(update.tripId)?.state;
    this.known.delete(update.tripId);
    if (update.finishes) return;
    const $set = update.update.$set;
    this.known.set(update.tripId, {
      writtenAt: this.now(),
      state: {
        _id: update.tripId,
        status: ($set.status as TripState['status']) ?? before?.status,
        lastSeq: update.lastSeq,
        startedAt: ($set.startedAt as Date | undefined) ?? before?.startedAt,
      },
    });
    for (const [tripId] of this.known) {
      if (this.known.size <= this.maxKnownTrips) break;
      // A forgotten trip is read again when it next appears; its deferred progress is dropped, and that batch writes it.
      this.known.delete(tripId);
      this.deferred.delete(tripId);
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
      if (error instanceof MongoBulkWriteError && alreadyStored(error, updates.length)) {
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
