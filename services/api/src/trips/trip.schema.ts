import { Schema } from 'mongoose';
import type { TripDocument, TripPositionDocument } from '@fleetlab/contracts';

export const TRIP_MODEL = 'Trip';
export const TRIP_POSITION_MODEL = 'TripPosition';

/** `trips` and `trip_positions` as declared in @fleetlab/contracts (documents.ts), shared with the consumer. */
export type TripDoc = TripDocument;
export type TripPositionDoc = TripPositionDocument;

export const TripSchema = new Schema<TripDoc>(
  {
    _id: { type: String, required: true },
    routeId: { type: String, required: true },
    vehicleId: { type: String, required: true },
    clientId: { type: String, default: '' },
    fleetId: { type: String },
    status: { type: String, required: true },
    requestedAt: { type: Date, required: true },
    startedAt: { type: Date },
    finishedAt: { type: Date },
    cancelledAt: { type: Date },
    lastPosition: { type: Schema.Types.Mixed },
    lastSeq: { type: Number },
    lastTs: { type: Schema.Types.Mixed },
    count: { type: Number, default: 0 },
    total: { type: Number, required: true },
    paceMs: { type: Number, required: true },
  },
  // strict false: the consumer may add fields; reads are lean, so they pass through untouched.
  { collection: 'trips', versionKey: false, autoIndex: false, strict: false },
);
// Fleet progress counts by (fleetId, status); the list is newest first.
TripSchema.index({ fleetId: 1, status: 1 });
TripSchema.index({ requestedAt: -1 });

/** `trip_positions`: written by the consumer, read here for a trip's history. Its indexes are the consumer's. */
export const TripPositionSchema = new Schema<TripPositionDoc>(
  {
    _id: { type: String, required: true },
    tripId: { type: String, required: true },
    seq: { type: Number, required: true },
    position: { type: Schema.Types.Mixed },
    ts: { type: Date },
  },
  { collection: 'trip_positions', versionKey: false, autoIndex: false, autoCreate: false, strict: false },
);
