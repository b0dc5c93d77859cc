/**
 * The api's HTTP requests and answers, one zod schema each: the api validates with them, its OpenAPI document is
 * generated from them (services/api/src/common/openapi.ts), and the map, the load tests and the chaos tooling read
 * the answers with the same types. A bound changed here changes the validation and the document together.
 */
import { LngLat } from './messages';
import { z } from './openapi-zod';
import { TripStatus } from './routes';

export const MAX_ROUTE_POINTS = 10_000;
export const MAX_VEHICLES = 20_000;

/** An id in a request: 1 to 128 characters. */
export const RequestId = z.string().min(1).max(128);

/** A route id: also a file name and a Kafka key, so a small alphabet. */
export const RouteId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

const Points = z.array(LngLat).min(2, 'a route needs at least 2 points').max(MAX_ROUTE_POINTS);

export const LineString = z.object({
  type: z.literal('LineString'),
  coordinates: Points,
});

/** `POST /routes`. */
export const CreateRouteBody = z
  .object({
    id: RouteId.optional().openapi({ description: 'generated when absent' }),
    // Trimmed before the length check: the pattern tells a generator that a title of spaces is no title.
    title: z.string().trim().min(1).max(200).openapi({ pattern: '\\S' }),
    geometry: LineString.optional(),
    points: Points.optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.geometry === undefined) === (body.points === undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['geometry'], message: 'give exactly one of geometry or points' });
    }
  })
  .openapi({
    description: 'Exactly one of geometry or points, at least 2 points.',
    // What the refinement enforces: with both, both branches match; with neither, none does.
    oneOf: [{ required: ['geometry'] }, { required: ['points'] }],
    example: { title: 'Around the block', points: [[-47.8825, -15.7942], [-47.8822, -15.7942], [-47.8822, -15.7945]] },
  });
export type CreateRouteBody = z.infer<typeof CreateRouteBody>;

/** `POST /routes/generate`. */
export const GenerateRoutesBody = z
  .object({
    seed: z.number().int().min(0).max(2 ** 32 - 1),
    count: z.number().int().min(1).max(1000),
    center: LngLat.optional().openapi({ description: '[lng, lat] the grid is centred on; Brasília by default' }),
    points: z.number().int().min(10).max(500).optional().openapi({ description: 'points per route, 60 by default' }),
  })
  .openapi({ example: { seed: 42, count: 10 } });
export type GenerateRoutesBody = z.infer<typeof GenerateRoutesBody>;

/** `POST /trips`, and the socket's `new-direction`. */
export const StartTripBody = z
  .object({
    routeId: RequestId,
    vehicleId: RequestId.optional().openapi({ description: 'generated when absent' }),
    paceMs: z.number().int().min(1).max(60_000).optional().openapi({ description: 'ms between points; DEFAULT_PACE_MS when absent' }),
  })
  .openapi({ example: { routeId: '1' } });
export type StartTripBody = z.infer<typeof StartTripBody>;

/** The query of `GET /trips`. */
export const ListTripsQuery = z.object({
  status: TripStatus.optional(),
  routeId: RequestId.optional(),
  fleetId: RequestId.optional(),
  vehicleId: RequestId.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ description: '1–500, default 50' }),
  offset: z.coerce.number().int().min(0).default(0).openapi({ description: 'default 0' }),
});
export type ListTripsQuery = z.infer<typeof ListTripsQuery>;

/** `POST /fleets`. */
export const CreateFleetBody = z
  .object({
    vehicles: z.number().int().min(1).max(MAX_VEHICLES),
    routeIds: z.array(RequestId).min(1).max(1000).optional(),
    generate: z
      .object({
        seed: z.number().int().min(0).max(2 ** 32 - 1),
        center: LngLat.optional(),
        points: z.number().int().min(10).max(500).optional(),
      })
      .optional(),
    paceMs: z.number().int().min(1).max(60_000).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.routeIds && body.generate) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['generate'], message: 'give routeIds or generate, not both' });
    }
  })
  .openapi({
    description: 'Routes are taken round-robin from routeIds, or generated (one per vehicle up to 1000), or the seed routes.',
    // What the refinement enforces: routeIds or generate, not both.
    not: { required: ['routeIds', 'generate'] },
    example: { vehicles: 100, generate: { seed: 42 } },
  });
export type CreateFleetBody = z.infer<typeof CreateFleetBody>;

// Answers.

const Timestamp = z.string().datetime();

export const RouteSource = z.enum(['seed', 'user', 'generated']);
export type RouteSource = z.infer<typeof RouteSource>;

/** `GET /routes`: a route without its points. */
export const RouteSummary = z.object({
  id: z.string(),
  title: z.string(),
  startPosition: LngLat,
  endPosition: LngLat,
  pointCount: z.number().int(),
  source: RouteSource,
});
export type RouteSummary = z.infer<typeof RouteSummary>;

export const RouteList = z.array(RouteSummary);
export const GeneratedRoutes = z.object({ routes: z.array(RouteSummary) });
export type GeneratedRoutes = z.infer<typeof GeneratedRoutes>;


/** `POST /trips`. */
export const TripStarted = z.object({
  tripId: z.string(),
  routeId: z.string(),
  vehicleId: z.string(),
  status: TripStatus.openapi({ example: 'requested' }),
});
export type TripStarted = z.infer<typeof TripStarted>;

/** A trip as the api reports it; absent optional fields stay absent. */
export const TripView = z.object({
  tripId: z.string(),
  routeId: z.string(),
  vehicleId: z.string(),
  clientId: z.string(),
  fleetId: z.string().optional(),
  status: TripStatus,
  requestedAt: Timestamp,
  startedAt: Timestamp.optional(),
  finishedAt: Timestamp.optional(),
  cancelledAt: Timestamp.optional(),
  lastPosition: LngLat.optional(),
  lastSeq: z.number().int().optional(),
  lastTs: Timestamp.optional(),
  count: z.number().int(),
  total: z.number().int(),
  paceMs: z.number().int(),
  /** count / total. */
  progress: z.number().min(0).max(1),
});
export type TripView = z.infer<typeof TripView>;

/** `GET /trips`: a page of trips and how many there are. */
export const TripList = z.object({ items: z.array(TripView), total: z.number().int() });
export type TripList = z.infer<typeof TripList>;

export const TripPosition = z.object({ seq: z.number().int(), position: LngLat, ts: Timestamp });
export type TripPosition = z.infer<typeof TripPosition>;

/** `GET /trips/{id}/positions`: in seq order. */
export const TripPositions = z.object({ tripId: z.string(), positions: z.array(TripPosition) });
export type TripPositions = z.infer<typeof TripPositions>;

export const FleetStatus = z.enum(['running', 'cancelled']);
export type FleetStatus = z.infer<typeof FleetStatus>;

/** `POST /fleets`. */
export const FleetCreated = z.object({ fleetId: z.string(), vehicles: z.number().int(), routeIds: z.array(z.string()) });
export type FleetCreated = z.infer<typeof FleetCreated>;

export const TripCounts = z.object({
  requested: z.number().int(),
  running: z.number().int(),
  finished: z.number().int(),
  cancelled: z.number().int(),
});
export type TripCounts = z.infer<typeof TripCounts>;

/** `GET /fleets/{id}`: a fleet and its trips counted by status. */
export const FleetView = z.object({
  fleetId: z.string(),
  vehicles: z.number().int(),
  paceMs: z.number().int(),
  status: FleetStatus,
  trips: TripCounts,
  createdAt: Timestamp,
});
export type FleetView = z.infer<typeof FleetView>;

/** `DELETE /fleets/{id}`. */
export const FleetCancelled = z.object({ fleetId: z.string(), status: z.literal('cancelled'), cancelled: z.number().int() });
export type FleetCancelled = z.infer<typeof FleetCancelled>;

/** `GET /healthz` and `GET /readyz`. */
export const Liveness = z.object({ status: z.string().openapi({ example: 'ok' }), problems: z.array(z.string()).optional() });
export const Readiness = z.object({ status: z.string().openapi({ example: 'ready' }), notReady: z.array(z.string()).optional() });

// Errors.

export const FieldProblem = z.object({ field: z.string().openapi({ example: 'points.1.0' }), message: z.string() });
export type FieldProblem = z.infer<typeof FieldProblem>;

/** The error body every endpoint answers with; `fields` only on 400, naming each bad field. */
export const ApiError = z.object({
  statusCode: z.number().int(),
  error: z.string().optional(),
  message: z.string(),
  fields: z.array(FieldProblem).optional(),
});
export type ApiError = z.infer<typeof ApiError>;

export const AdmissionCapNames = ['API_MAX_VEHICLES_ON_ROAD', 'API_MAX_ROUTES_PER_REQUEST'] as const;

/**
 * `GET /fleets/limits`: the admission caps of the api instance that answers, and what is in use now, so a client can
 * size its fleets before it asks (a load test fills the road up to the cap, then expects a 429).
 */
export const FleetLimits = z
  .object({
    maxFleetVehicles: z.number().int().openapi({ description: 'the most vehicles one POST /fleets takes (the request schema\'s bound)' }),
    vehiclesOnRoad: z
      .object({ name: z.literal('API_MAX_VEHICLES_ON_ROAD'), limit: z.number().int(), current: z.number().int() })
      .openapi({ description: 'vehicles this api instance has on the road now, and its cap; beyond it POST /trips and POST /fleets answer 429' }),
    routesPerRequest: z
      .object({ name: z.literal('API_MAX_ROUTES_PER_REQUEST'), limit: z.number().int() })
      .openapi({ description: 'routes one POST /routes/generate may ask for' }),
  })
  .openapi({ example: { maxFleetVehicles: 20_000, vehiclesOnRoad: { name: 'API_MAX_VEHICLES_ON_ROAD', limit: 20_000, current: 25 }, routesPerRequest: { name: 'API_MAX_ROUTES_PER_REQUEST', limit: 1000 } } });
export type FleetLimits = z.infer<typeof FleetLimits>;

/** A 429: names the cap, the variable that sets it and when to come back (also in `Retry-After`, seconds). */
export const AdmissionRefusal = z
  .object({
    statusCode: z.literal(429),
    error: z.literal('Too Many Requests'),
    message: z.string(),
    cap: z.object({ name: z.enum(AdmissionCapNames), limit: z.number().int(), current: z.number().int(), requested: z.number().int() }),
    retryAfterSeconds: z.number().int().min(1),
  })
  .openapi({ description: 'Refused by a cap; the Retry-After header says in how many seconds to try again.' });
export type AdmissionRefusal = z.infer<typeof AdmissionRefusal>;

/** A 503: the database did not answer within API_DB_TIMEOUT_MS, or is not reachable; the message says which. */
export const DatabaseUnavailable = z
  .object({ statusCode: z.literal(503), error: z.string(), message: z.string() })
  .openapi({ description: 'The database did not answer within API_DB_TIMEOUT_MS, or is not reachable; the message says which.' });
export type DatabaseUnavailable = z.infer<typeof DatabaseUnavailable>;
