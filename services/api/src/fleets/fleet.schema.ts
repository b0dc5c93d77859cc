import { Schema } from 'mongoose';

export const FLEET_MODEL = 'Fleet';
import type { FleetStatus } from '@fleetlab/contracts';

export type { FleetStatus };

/** `fleets`: written by the api only. */
export interface FleetDoc {
  _id: string;
  vehicles: number;
  paceMs: number;
  routeIds: string[];
  status: FleetStatus;
  createdAt: Date;
  cancelledAt?: Date;
  /** Where the fleet is listed in `trip_index` (retention takes it out). */
  indexEntries?: Array<{ key: string; slot: number; trips: number }>;
}

export const FleetSchema = new Schema<FleetDoc>(
  {
    _id: { type: String, required: true },
    vehicles: { type: Number, required: true },
    paceMs: { type: Number, required: true },
    routeIds: { type: [String], required: true },
    status: { type: String, required: true },
    createdAt: { type: Date, required: true },
    cancelledAt: { type: Date },
  },
  { collection: 'fleets', versionKey: false, autoIndex: false },
);
