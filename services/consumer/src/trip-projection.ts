import { TripStatus, tripStatus, type NewPosition, type PartialTripDocument } from '@fleetlab/contracts';

/** A `trips` document as the consumer finds and writes it (declared in @fleetlab/contracts, documents.ts). */
export type TripDocument = PartialTripDocument;

/** What the projection needs to know of a stored trip (fleetId and vehicleId: to record a fleet trip's status). */
export type TripState = Pick<TripDocument, '_id' | 'status' | 'lastSeq' | 'startedAt' | 'fleetId' | 'vehicleId'>;

/** One conditional update of one trip: applies only if the trip is still as it was read. */
export interface TripUpdate {
  tripId: string;
  filter: Record<string, unknown>;
  update: {
    $set: Record<string, unknown>;
    $setOnInsert?: Record<string, unknown>;
  };
  /** True when the trip did not exist: a trip produced straight to Kafka, without the api. */
  upsert: boolean;
  /** Distinct positions this update counts. */
  applied: number;
  /** The trip's lastSeq once the update is applied. */
  lastSeq: number;
  /** True when this update moves the trip to `finished`. */
  finishes: boolean;
  /** True when this update changes the status or sets startedAt: written at once, never deferred. */
  changesStatus: boolean;
  /** The trip's fleet and vehicle, when its positions name a fleet. */
  fleetId?: string;
  vehicleId: string;
}

export interface Projection {
  updates: TripUpdate[];
  /** Positions not counted: at or below the trip's lastSeq (already applied), or repeated within the batch. */
  skipped: number;
}

/**
 * The updates that bring `trips` up to date with a batch of positions, given the trips as they are stored now.
 *
 * A trip's positions arrive in seq order (one trip, one partition), so every position at or below the stored
 * lastSeq has already been counted: skipping those is what makes a redelivered batch a no-op. Each update is
 * conditional on the lastSeq (and, when it changes the status, the status) that was read, so two deliveries
 * racing cannot both apply; the loser matches nothing and re-reads.
 */
export function projectTrips(current: ReadonlyMap<string, TripState>, positions: readonly NewPosition[]): Projection {
  // Per trip, one position per seq (the first seen), in the order trips first appear in the batch.
  const byTrip = new Map<string, Map<number, NewPosition>>();
  let skipped = 0;
  for (const position of positions) {
    let seqs = byTrip.get(position.tripId);
    if (!seqs) {
      seqs = new Map();
      byTrip.set(position.tripId, seqs);
    }
    if (seqs.has(position.seq)) skipped++;
    else seqs.set(position.seq, position);
  }

  const updates: TripUpdate[] = [];
  for (const [tripId, seqs] of byTrip) {
    const state = current.get(tripId);
    const floor = state?.lastSeq ?? -1;
    const fresh = [...seqs.values()].filter((p) => p.seq > floor).sort((a, b) => a.seq - b.seq);
    skipped += seqs.size - fresh.length;
    const first = fresh[0];
    const last = fresh[fresh.length - 1];
    if (!first || !last) continue;

    const finishedEvent = fresh.find((p) => p.finished);
    const from = state?.status;
    const to = nextStatus(from, finishedEvent !== undefined);

    // A trip's seqs run from 0 without gaps (a restarted simulator resumes at fromSeq), so the positions stored
    // are lastSeq + 1: an absolute value, right however many batches were applied, skipped or redelivered before.
    const $set: Record<string, unknown> = {
      lastPosition: last.position,
      lastSeq: last.seq,
      lastTs: new Date(last.ts),
      count: last.seq + 1,
    };
    const total = [...fresh].reverse().find((p) => p.total !== undefined)?.total;
    if (total !== undefined) $set.total = total;
    if (state?.startedAt === undefined) $set.startedAt = new Date(first.ts);
    if (to !== undefined) $set.status = to;
    if (to === 'finished' && finishedEvent) $set.finishedAt = new Date(finishedEvent.ts);

    const filter: Record<string, unknown> = { _id: tripId, lastSeq: state?.lastSeq ?? { $exists: false } };
    // Guarding the status only when changing it keeps the api's concurrent cancel from being overwritten.
    if (state && to !== undefined) filter.status = from ?? { $exists: false };

    const update: TripUpdate['update'] = { $set };
    if (!state) {
      update.$setOnInsert = {
        routeId: first.routeId,
        vehicleId: first.vehicleId,
        clientId: first.clientId,
        // Nobody requested it through the api; its first event is the earliest moment known.
        requestedAt: new Date(first.ts),
        ...(first.fleetId !== undefined ? { fleetId: first.fleetId } : {}),
      };
    }

    updates.push({
      tripId,
      filter,
      update,
      upsert: !state,
      applied: fresh.length,
      lastSeq: last.seq,
      finishes: to === 'finished',
      changesStatus: to !== undefined || $set.startedAt !== undefined,
      ...(first.fleetId !== undefined ? { fleetId: first.fleetId } : {}),
      vehicleId: first.vehicleId,
    });
  }
  return { updates, skipped };
}

/**
 * The status to set, or undefined to leave it: what `tripStatus` (@fleetlab/contracts) decides once positions,
 * maybe the finished one, are applied. A status this version does not know is left as it is.
 */
export function nextStatus(from: string | undefined, finishedApplied: boolean): TripStatus | undefined {
  if (from !== undefined && !(TripStatus.options as readonly string[]).includes(from)) return undefined;
  const stored = from as TripStatus | undefined;
  const to = tripStatus(stored, { positions: true, finished: finishedApplied });
  return to === stored ? undefined : to;
}
