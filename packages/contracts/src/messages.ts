import { z } from 'zod';

/** `[lng, lat]`, GeoJSON order, as Elasticsearch's geo_point array form also expects. */
export const LngLat = z.tuple([
  z.number().finite().gte(-180).lte(180),
  z.number().finite().gte(-90).lte(90),
]);
export type LngLat = z.infer<typeof LngLat>;

// Unknown fields are tolerated and dropped: producers may add fields before every consumer knows them.
const Id = z.string().min(1).max(128);

/** `route.new-direction`: a command to start a trip. `clientId` is the asking socket's id, or empty. */
export const NewDirection = z
  .object({
    clientId: z.string().max(128),
    routeId: Id,
    tripId: Id,
    vehicleId: Id,
    /** Milliseconds between two points for this trip; the simulator's default applies when absent. */
    paceMs: z.number().int().min(1).max(60_000).optional(),
    /** The fleet this trip belongs to, if any. */
    fleetId: Id.optional(),
    /** Resume a trip from this point index: a simulator that stops hands its running trips on this way. */
    fromSeq: z.number().int().min(0).optional(),
  });
export type NewDirection = z.infer<typeof NewDirection>;

/** `route.new-position`: one event per route point, keyed by tripId. `finished` is true on the last point only. */
export const NewPosition = z
  .object({
    routeId: Id,
    clientId: z.string().max(128),
    position: LngLat,
    finished: z.boolean(),
    tripId: Id,
    vehicleId: Id,
    seq: z.number().int().min(0),
    ts: z.string().datetime({ offset: true }),
    /** Number of points in the route, so readers can tell progress without a lookup. */
    total: z.number().int().min(1).optional(),
    fleetId: Id.optional(),
  })
  .refine((p) => p.total === undefined || p.seq < p.total, {
    message: 'seq must be below total',
    path: ['seq'],
  });
export type NewPosition = z.infer<typeof NewPosition>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Names every offending field, e.g. `position.1: Number must be less than or equal to 90`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Parses a Kafka message value: JSON first, then the schema. Never throws. */
export function parseMessage<S extends z.ZodTypeAny>(
  schema: S,
  value: Buffer | string | null | undefined,
): ParseResult<z.infer<S>> {
  if (value === null || value === undefined || value.length === 0) {
    return { ok: false, reason: 'empty message value' };
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const result = schema.safeParse(json);
  if (!result.success) return { ok: false, reason: describeZodError(result.error) };
  return { ok: true, value: result.data };
}

/** `route.cancel`: stop one trip or every trip of a fleet. */
export const CancelTrips = z
  .object({
    tripId: Id.optional(),
    fleetId: Id.optional(),
    reason: z.string().max(256).optional(),
  })
  .refine((c) => c.tripId !== undefined || c.fleetId !== undefined, {
    message: 'tripId or fleetId is required',
    path: ['tripId'],
  });
export type CancelTrips = z.infer<typeof CancelTrips>;
