/** Trip shapes: their schemas are in @fleetlab/contracts (http.ts); here, how a stored trip becomes its view. */
import { ListTripsQuery, StartTripBody, tripStatus, type TripView } from '@fleetlab/contracts';
import type { TripDoc } from './trip.schema';

export { ListTripsQuery, StartTripBody, type TripView };

function iso(value: Date | string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

/**
 * The public shape of a stored trip; absent optional fields stay absent. A fleet is cancelled on its own document
 * (see FleetsService.cancel), so an unfinished trip of a cancelled fleet is reported cancelled, since `fleetCancelledAt`.
 */
export function toTripView(doc: TripDoc, fleetCancelledAt?: Date): TripView {
  const count = typeof doc.count === 'number' ? doc.count : 0;
  const status = tripStatus(doc.status, { fleetCancelled: fleetCancelledAt !== undefined });
  const cancelledByFleet = status === 'cancelled' && doc.status !== 'cancelled';
  const view: TripView = {
    tripId: doc._id,
    routeId: doc.routeId,
    vehicleId: doc.vehicleId,
    clientId: doc.clientId ?? '',
    status,
    requestedAt: iso(doc.requestedAt) ?? '',
    count,
    total: doc.total,
    paceMs: doc.paceMs,
    progress: doc.total > 0 ? Math.min(1, count / doc.total) : 0,
  };
  if (doc.fleetId !== undefined && doc.fleetId !== null) view.fleetId = doc.fleetId;
  const startedAt = iso(doc.startedAt);
  if (startedAt) view.startedAt = startedAt;
  const finishedAt = iso(doc.finishedAt);
  if (finishedAt) view.finishedAt = finishedAt;
  const cancelledAt = iso(doc.cancelledAt ?? (cancelledByFleet ? fleetCancelledAt : undefined));
  if (cancelledAt) view.cancelledAt = cancelledAt;
  if (doc.lastPosition) view.lastPosition = doc.lastPosition;
  if (typeof doc.lastSeq === 'number') view.lastSeq = doc.lastSeq;
  const lastTs = iso(doc.lastTs);
  if (lastTs) view.lastTs = lastTs;
  return view;
}
