// Shapes of the api's answers and events (docs/architecture.md), validated at the edge of the app. The shapes the
// services share (positions, routes, trip status) come from packages/contracts; the api's own views are here.
import { z } from 'zod';
import { LngLat, Route, TripStatus, type NewPosition } from '@fleetlab/contracts';

export { LngLat, Route, TripStatus, type NewPosition };

export const RouteSummary = z.object({
  id: z.string(),
  title: z.string(),
  startPosition: LngLat.optional(),
  endPosition: LngLat.optional(),
  pointCount: z.number().optional(),
  source: z.string().optional(),
});
export type RouteSummary = z.infer<typeof RouteSummary>;

export const TripStarted = z.object({
  tripId: z.string(),
  routeId: z.string(),
  vehicleId: z.string(),
  status: z.string(),
});
export type TripStarted = z.infer<typeof TripStarted>;

export const Trip = z.object({
  tripId: z.string(),
  routeId: z.string(),
  vehicleId: z.string(),
  clientId: z.string().optional(),
  fleetId: z.string().optional(),
  status: TripStatus,
  requestedAt: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  lastPosition: LngLat.optional(),
  lastSeq: z.number().optional(),
  lastTs: z.string().optional(),
  count: z.number(),
  total: z.number(),
  paceMs: z.number().optional(),
  progress: z.number(),
});
export type Trip = z.infer<typeof Trip>;

/** `GET /trips`: a page of trips. */
export const TripPage = z.object({ items: z.array(Trip), total: z.number() });

export const FleetCreated = z.object({
  fleetId: z.string(),
  vehicles: z.number(),
  routeIds: z.array(z.string()),
});
export type FleetCreated = z.infer<typeof FleetCreated>;

export const TripCounts = z.object({
  requested: z.number(),
  running: z.number(),
  finished: z.number(),
  cancelled: z.number(),
});
export type TripCounts = z.infer<typeof TripCounts>;

export const Fleet = z.object({
  fleetId: z.string(),
  vehicles: z.number(),
  paceMs: z.number().optional(),
  status: z.string(),
  trips: TripCounts,
  createdAt: z.string().optional(),
});
export type Fleet = z.infer<typeof Fleet>;

/** Error body of every api failure. */
export const ApiErrorBody = z.object({
  statusCode: z.number().optional(),
  error: z.string().optional(),
  message: z.union([z.string(), z.array(z.string())]),
  fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/**
 * A cheap structural check instead of zod: thousands of positions a second arrive here, and the api already
 * validated them against the contract before emitting.
 */
export function isNewPosition(value: unknown): value is NewPosition {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  const pos = p.position;
  return (
    typeof p.tripId === 'string' &&
    typeof p.seq === 'number' &&
    typeof p.ts === 'string' &&
    Array.isArray(pos) &&
    pos.length === 2 &&
    typeof pos[0] === 'number' &&
    typeof pos[1] === 'number'
  );
}
