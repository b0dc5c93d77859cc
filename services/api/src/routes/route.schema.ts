import { Schema } from 'mongoose';
import type { LngLat } from '@fleetlab/contracts';

export const ROUTE_MODEL = 'Route';
export type RouteSource = 'seed' | 'user' | 'generated';

/** A stored point. FerretDB (the no-cluster lab's database) rejects nested arrays, so `[lng, lat][]` cannot be stored. */
export interface StoredPoint {
  lng: number;
  lat: number;
}

export function toStoredPoints(points: readonly LngLat[]): StoredPoint[] {
  return points.map(([lng, lat]) => ({ lng, lat }));
}

export function fromStoredPoints(points: readonly StoredPoint[]): LngLat[] {
  return points.map((p) => [p.lng, p.lat]);
}

/**
 * `routes`: written by the api only. `points` is stored as `{lng, lat}[]` (see StoredPoint) and served as
 * `[lng, lat][]`; `pointCount` is added beside the contract's fields so lists and trips skip the points.
 */
export interface RouteDoc {
  _id: string;
  title: string;
  startPosition: LngLat;
  endPosition: LngLat;
  points: StoredPoint[];
  pointCount: number;
  source: RouteSource;
  createdAt: Date;
  updatedAt?: Date;
}

export const RouteSchema = new Schema<RouteDoc>(
  {
    _id: { type: String, required: true },
    title: { type: String, required: true },
    // Mixed: points are validated by zod at the edge; casting thousands of tuples through mongoose buys nothing.
    startPosition: { type: Schema.Types.Mixed, required: true },
    endPosition: { type: Schema.Types.Mixed, required: true },
    points: { type: Schema.Types.Mixed, required: true },
    pointCount: { type: Number, required: true },
    source: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date },
  },
  { collection: 'routes', versionKey: false, autoIndex: false },
);
