/**
 * Pure parts of the trip read models (docs/architecture.md, "Read models"): how a trip list is laid out in
 * `trip_index` and how a fleet's progress documents turn into counts and statuses. No I/O here.
 */
import {
  FLEET_PROGRESS_BLOCK,
  TRIP_INDEX_PAGE,
  tripStatus,
  type FleetProgressDocument,
  type TripIndexDocument,
  type TripStatus,
} from '@fleetlab/contracts';

/** A `trip_index` entry that stands for every trip of a fleet (vehicle order), rather than one trip. */
export const FLEET_REF = '@';

export function fleetRef(fleetId: string): string {
  return `${FLEET_REF}${fleetId}`;
}

export function refFleetId(entry: string): string | undefined {
  return entry.startsWith(FLEET_REF) ? entry.slice(FLEET_REF.length) : undefined;
}

export type IndexPage = TripIndexDocument;
export type ProgressDoc = FleetProgressDocument;

/** Pages holding slots [from, to). */
export function pagesOf(from: number, to: number): number[] {
  const pages: number[] = [];
  if (to <= from) return pages;
  for (let page = Math.floor(from / TRIP_INDEX_PAGE); page <= Math.floor((to - 1) / TRIP_INDEX_PAGE); page++) pages.push(page);
  return pages;
}

/** Page of a slot, and the `$set` field that stores it there. */
export function slotField(slot: number): { page: number; field: string } {
  return { page: Math.floor(slot / TRIP_INDEX_PAGE), field: `ids.${slot}` };
}

/** Vehicle blocks of a fleet of `vehicles`. */
export function progressBlocks(vehicles: number): number[] {
  return Array.from({ length: Math.ceil(vehicles / FLEET_PROGRESS_BLOCK) }, (_, i) => i);
}

/**
 * The status of each vehicle's trip as the api reports it, from the fleet's progress documents (by block): flags are
 * set once each; `finished` and `cancelled` exclude each other (each is a conditional write on the trip), and an
 * unfinished trip of a cancelled fleet is reported cancelled (`tripStatus`).
 */
export function fleetStatuses(vehicles: number, blocks: ReadonlyMap<number, ProgressDoc>, fleetCancelled: boolean): TripStatus[] {
  const statuses = new Array<TripStatus>(vehicles);
  for (let i = 0; i < vehicles; i++) {
    const doc = blocks.get(Math.floor(i / FLEET_PROGRESS_BLOCK));
    const slot = String(i % FLEET_PROGRESS_BLOCK);
    // The flags are the trip's stored status, as the consumer and the api wrote it, furthest first.
    const stored: TripStatus = doc?.finished?.[slot] ? 'finished' : doc?.cancelled?.[slot] ? 'cancelled' : doc?.running?.[slot] ? 'running' : 'requested';
    statuses[i] = tripStatus(stored, { fleetCancelled });
  }
  return statuses;
}

export function countStatuses(statuses: readonly TripStatus[]): Record<TripStatus, number> {
  const counts: Record<TripStatus, number> = { requested: 0, running: 0, finished: 0, cancelled: 0 };
  for (const s of statuses) counts[s]++;
  return counts;
}

/** Vehicle indexes of a fleet, newest first (highest index first), that pass `keep`. */
export function fleetIndexes(vehicles: number, keep: (index: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = vehicles - 1; i >= 0; i--) if (keep(i)) out.push(i);
  return out;
}

/** Runs `work` over `items` with at most `concurrency` at once, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
