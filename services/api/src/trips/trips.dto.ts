/** Trip request shapes: zod validates them at the edge; the schema objects only describe them in OpenAPI. */
import type { SchemaObject } from '@nestjs/swagger';
import { TripStatus, type LngLat } from '@fleetlab/contracts';
import { z } from 'zod';
import { idSchema, lngLatResponseSchema } from '../common/openapi';
import type { TripDoc } from './trip.schema';

const Id = z.string().min(1).max(128);

export const StartTripBody = z.object({
  routeId: Id,
  vehicleId: Id.optional(),
  paceMs: z.number().int().min(1).max(60_000).optional(),
});
export type StartTripBody = z.infer<typeof StartTripBody>;

export const ListTripsQuery = z.object({
  status: TripStatus.optional(),
  routeId: Id.optional(),
  fleetId: Id.optional(),
  vehicleId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ListTripsQuery = z.infer<typeof ListTripsQuery>;

export interface TripView {
  tripId: string;
  routeId: string;
  vehicleId: string;
  clientId: string;
  fleetId?: string;
  status: TripStatus;
  requestedAt: string;
  startedAt?: string;
  finishedAt?: string;
  cancelledAt?: string;
  lastPosition?: LngLat;
  lastSeq?: number;
  lastTs?: string;
  count: number;
  total: number;
  paceMs: number;
  /** count / total, in [0, 1]. */
  progress: number;
}

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
  const cancelledByFleet = fleetCancelledAt !== undefined && (doc.status === 'requested' || doc.status === 'running');
  const view: TripView = {
    tripId: doc._id,
    routeId: doc.routeId,
    vehicleId: doc.vehicleId,
    clientId: doc.clientId ?? '',
    status: cancelledByFleet ? 'cancelled' : doc.status,
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

const lngLat = lngLatResponseSchema;
const statusSchema: SchemaObject = { type: 'string', enum: ['requested', 'running', 'finished', 'cancelled'] };

export const startTripBodySchema: SchemaObject = {
  type: 'object',
  required: ['routeId'],
  properties: {
    routeId: idSchema,
    vehicleId: { ...idSchema, description: 'generated when absent' },
    paceMs: { type: 'integer', minimum: 1, maximum: 60000, description: 'ms between points; DEFAULT_PACE_MS when absent' },
  },
  example: { routeId: '1' },
};

/** The query of GET /trips, one schema per parameter, with the bounds ListTripsQuery checks. */
export const listTripsQuerySchemas: Record<keyof ListTripsQuery, SchemaObject> = {
  status: { type: 'string', enum: [...TripStatus.options] },
  routeId: idSchema,
  fleetId: idSchema,
  vehicleId: idSchema,
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  offset: { type: 'integer', minimum: 0, default: 0 },
};

export const tripStartedSchema: SchemaObject = {
  type: 'object',
  properties: { tripId: { type: 'string' }, routeId: { type: 'string' }, vehicleId: { type: 'string' }, status: { ...statusSchema, example: 'requested' } },
};

export const tripSchema: SchemaObject = {
  type: 'object',
  properties: {
    tripId: { type: 'string' },
    routeId: { type: 'string' },
    vehicleId: { type: 'string' },
    clientId: { type: 'string' },
    fleetId: { type: 'string' },
    status: statusSchema,
    requestedAt: { type: 'string', format: 'date-time' },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    cancelledAt: { type: 'string', format: 'date-time' },
    lastPosition: lngLat,
    lastSeq: { type: 'integer' },
    lastTs: { type: 'string', format: 'date-time' },
    count: { type: 'integer' },
    total: { type: 'integer' },
    paceMs: { type: 'integer' },
    progress: { type: 'number', minimum: 0, maximum: 1 },
  },
};

export const tripListSchema: SchemaObject = {
  type: 'object',
  properties: { items: { type: 'array', items: tripSchema }, total: { type: 'integer' } },
};

export const tripPositionsSchema: SchemaObject = {
  type: 'object',
  properties: {
    tripId: { type: 'string' },
    positions: {
      type: 'array',
      items: { type: 'object', properties: { seq: { type: 'integer' }, position: lngLat, ts: { type: 'string', format: 'date-time' } } },
    },
  },
};
