import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { mongo } from 'mongoose';
import type { Connection } from 'mongoose';

type Collection<T extends mongo.Document> = mongo.Collection<T>;
type Db = mongo.Db;
import { chunks } from '@fleetlab/runtime';
import {
  FLEET_PROGRESS_BLOCK,
  ReadModelCollections,
  fleetIndexKey,
  fleetProgressId,
  fleetProgressSet,
  tripIndexPageId,
  type TripIndexDocument,
} from '@fleetlab/contracts';
import { AppConfig } from '../config';
import { mapLimit, pagesOf, progressBlocks, slotField, type ProgressDoc } from './read-model';

/** Where an entry sits: its list, its slot, and how many trips it stands for (kept on the trip or fleet for retention). */
export interface IndexEntry {
  key: string;
  slot: number;
  trips: number;
}

type IndexHead = TripIndexDocument;

/** Reads by `_id` run this many at once: enough to hide a round trip, few enough to leave the pool to others. */
export const READ_CONCURRENCY = 8;

/**
 * `trip_index` and `fleet_progress`: every read and write here names its documents by `_id`
 * (docs/architecture.md, "Read models").
 */
@Injectable()
export class TripIndexService {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly config: AppConfig,
  ) {}

  private get db(): Db {
    const db = this.connection.db;
    if (!db) throw new Error('database not connected');
    return db as unknown as Db;
  }

  private get index(): Collection<IndexHead> {
    return this.db.collection<IndexHead>(ReadModelCollections.tripIndex);
  }

  private get progress(): Collection<ProgressDoc> {
    return this.db.collection<ProgressDoc>(ReadModelCollections.fleetProgress);
  }

  private get maxTimeMS(): number {
    return this.config.API_DB_TIMEOUT_MS;
  }

  /**
   * Appends entries to a list: reserves their slots on its head, then writes them to their pages. `trips` is how
   * many trips they stand for (one each unless an entry is a whole fleet).
   */
  async append(key: string, entries: readonly string[], trips = entries.length): Promise<IndexEntry[]> {
    if (entries.length === 0) return [];
    const head = await this.index.findOneAndUpdate(
      { _id: key },
      { $inc: { n: entries.length, trips } },
      { upsert: true, returnDocument: 'after', maxTimeMS: this.maxTimeMS },
    );
    const end = head?.n ?? entries.length;
    await this.writeSlots(key, end - entries.length, entries);
    return entries.map((_, j) => ({ key, slot: end - entries.length + j, trips: trips / entries.length }));
  }

  /**
   * Takes an entry out of its list (retention): the slot is emptied only if it still holds the entry, and only then
   * are its trips taken off the head's count, so doing it again changes nothing.
   */
  async remove(entry: string, at: IndexEntry): Promise<void> {
    const { page, field } = slotField(at.slot);
    const result = await this.index.updateOne(
      { _id: tripIndexPageId(at.key, page), [field]: entry },
      { $unset: { [field]: '' } },
      { maxTimeMS: this.maxTimeMS },
    );
    if (result.modifiedCount === 1) {
      await this.index.updateOne({ _id: at.key }, { $inc: { trips: -at.trips } }, { maxTimeMS: this.maxTimeMS });
    }
  }

  /** The oldest slot of a list not yet pruned (retention's cursor), and moving it on. */
  async pruneCursor(key: string): Promise<number> {
    const head = await this.index.findOne({ _id: key }, { maxTimeMS: this.maxTimeMS });
    return (head as { pruned?: number } | null)?.pruned ?? 0;
  }

  async setPruneCursor(key: string, slot: number): Promise<void> {
    await this.index.updateOne({ _id: key }, { $set: { pruned: slot } }, { maxTimeMS: this.maxTimeMS });
  }

  /** A fleet's own list: slot i is vehicle i's trip, written by the one request that creates the fleet. */
  async setFleetSlots(fleetId: string, start: number, tripIds: readonly string[]): Promise<void> {
    const key = fleetIndexKey(fleetId);
    await this.writeSlots(key, start, tripIds);
    await this.index.updateOne({ _id: key }, { $set: { n: start + tripIds.length } }, { upsert: true, maxTimeMS: this.maxTimeMS });
  }

  private async writeSlots(key: string, start: number, entries: readonly string[]): Promise<void> {
    const byPage = new Map<number, Record<string, string>>();
    entries.forEach((entry, j) => {
      const { page, field } = slotField(start + j);
      const set = byPage.get(page) ?? {};
      set[field] = entry;
      byPage.set(page, set);
    });
    const operations = [...byPage].map(([page, $set]) => ({
      updateOne: { filter: { _id: tripIndexPageId(key, page) }, update: { $set }, upsert: true },
    }));
    for (const chunk of chunks(operations)) await this.index.bulkWrite(chunk, { ordered: false, maxTimeMS: this.maxTimeMS } as never);
  }

  /** How many entries a list has, and the trips they stand for (0 when it has none). */
  async head(key: string): Promise<{ entries: number; trips: number }> {
    const head = await this.index.findOne({ _id: key }, { maxTimeMS: this.maxTimeMS });
    return { entries: head?.n ?? 0, trips: head?.trips ?? head?.n ?? 0 };
  }

  /** The entries in slots [from, to); a slot a crash left empty is absent. */
  async slots(key: string, from: number, to: number): Promise<Map<number, string>> {
    const pages = await mapLimit(pagesOf(from, to), READ_CONCURRENCY, (page) =>
      this.index.findOne({ _id: tripIndexPageId(key, page) }, { maxTimeMS: this.maxTimeMS }),
    );
    const out = new Map<number, string>();
    for (const page of pages) {
      for (const [slot, entry] of Object.entries(page?.ids ?? {})) {
        const n = Number(slot);
        if (n >= from && n < to) out.set(n, entry);
      }
    }
    return out;
  }

  /** Trip ids of the given vehicles of a fleet, in the same order (undefined where missing). */
  async fleetTripIds(fleetId: string, indexes: readonly number[]): Promise<Array<string | undefined>> {
    if (indexes.length === 0) return [];
    const pages = new Set(indexes.map((i) => slotField(i).page));
    const read = await mapLimit([...pages], READ_CONCURRENCY, (page) =>
      this.index.findOne({ _id: tripIndexPageId(fleetIndexKey(fleetId), page) }, { maxTimeMS: this.maxTimeMS }),
    );
    const ids: Record<string, string> = {};
    for (const page of read) Object.assign(ids, page?.ids ?? {});
    return indexes.map((i) => ids[String(i)]);
  }

  /** A fleet's progress documents by block. */
  async fleetProgress(fleetId: string, vehicles: number): Promise<Map<number, ProgressDoc>> {
    const blocks = progressBlocks(vehicles);
    const docs = await mapLimit(blocks, READ_CONCURRENCY, (block) =>
      this.progress.findOne({ _id: fleetProgressId(fleetId, block) }, { maxTimeMS: this.maxTimeMS }),
    );
    const out = new Map<number, ProgressDoc>();
    docs.forEach((doc, i) => doc && out.set(blocks[i]!, doc));
    return out;
  }

  /** Records a fleet trip's status (the api's own: `cancelled`); idempotent. */
  async markFleetTrip(fleetId: string, index: number, status: string): Promise<void> {
    const $set = fleetProgressSet(index, status);
    if (!$set) return;
    await this.progress.updateOne(
      { _id: fleetProgressId(fleetId, Math.floor(index / FLEET_PROGRESS_BLOCK)) },
      { $set },
      { upsert: true, maxTimeMS: this.maxTimeMS },
    );
  }

  /** Deletes a list's head and pages (retention). */
  async dropList(key: string, length: number): Promise<void> {
    const ids = [key, ...pagesOf(0, length).map((p) => tripIndexPageId(key, p))];
    for (const id of ids) await this.index.deleteOne({ _id: id }, { maxTimeMS: this.maxTimeMS });
  }

  async dropFleetProgress(fleetId: string, vehicles: number): Promise<void> {
    for (const block of progressBlocks(vehicles)) {
      await this.progress.deleteOne({ _id: fleetProgressId(fleetId, block) }, { maxTimeMS: this.maxTimeMS });
    }
  }
}
