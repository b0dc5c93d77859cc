// Shapes of the api's answers and events (docs/architecture.md), validated at the edge of the app: all of them come
// from packages/contracts, the schemas the api validates with and generates its OpenAPI document from.
import type { z } from 'zod';
import {
  ApiError as ApiErrorBody,
  FleetCreated,
  FleetView as Fleet,
  LngLat,
  Route,
  RouteSummary,
  TripCounts,
  TripList as TripPage,
  TripStarted,
  TripStatus,
  TripView as Trip,
  type CreateFleetBody,
  type NewPosition,
  type StartTripBody,
} from '@fleetlab/contracts';

export { ApiErrorBody, Fleet, FleetCreated, LngLat, Route, RouteSummary, Trip, TripCounts, TripPage, TripStarted, TripStatus, type NewPosition };

/** What the map sends: the api's request bodies, before their defaults apply. */
export type CreateFleetRequest = z.input<typeof CreateFleetBody>;
export type StartTripRequest = z.input<typeof StartTripBody>;

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
