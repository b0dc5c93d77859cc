import { z } from './openapi-zod';

/** `[lng, lat]`, GeoJSON order, as Elasticsearch's geo_point array form also expects. */
export const LngLat = z
  .tuple([z.number().finite().gte(-180).lte(180), z.number().finite().gte(-90).lte(90)])
  .openapi({ minItems: 2, maxItems: 2, description: '[lng, lat], GeoJSON order', example: [-47.8825, -15.7942] });
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

/**
 * `route.new-direction` as it may arrive: the original Code Delivery backend sends only `clientId` and `routeId`
 * (`{"clientId":"x","routeId":"1"}`, no key). What is missing is derived from the record by `completeDirection`.
 */
export const NewDirectionWire = NewDirection.extend({ tripId: Id.optional(), vehicleId: Id.optional() });
export type NewDirectionWire = z.infer<typeof NewDirectionWire>;

/** Where a record sits in Kafka: the same for every delivery of it, so ids derived from it survive a redelivery. */
export interface RecordOrigin {
  partition: number;
  offset: string;
  /** The record's timestamp, milliseconds since the epoch. */
  timestamp: number;
}

/**
 * The trip id of a direction that came without one: `cd-<partition>-<offset>-<timestamp>`. A redelivery of the
 * record (a consumer restart before commit) maps to the same trip, so it is not played twice; the timestamp keeps
 * ids apart when a topic is recreated and its offsets start again at 0.
 */
export function derivedTripId(origin: RecordOrigin): string {
  return `cd-${origin.partition}-${origin.offset}-${origin.timestamp}`;
}

/** The vehicle of a direction that named none: one vehicle per trip, `vehicle-<tripId>`. */
export function derivedVehicleId(tripId: string): string {
  return `vehicle-${tripId}`;
}

/** A direction with every field fleetlab needs: what the record lacks is derived from where it sits. */
export function completeDirection(direction: NewDirectionWire, origin: RecordOrigin): NewDirection {
  const tripId = direction.tripId ?? derivedTripId(origin);
  return { ...direction, tripId, vehicleId: direction.vehicleId ?? derivedVehicleId(tripId) };
}

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

/**
 * `route.new-position` in the original Code Delivery form, as its Go simulator sends it (no key):
 * `{"routeId":"1","clientId":"x","position":[lng,lat],"finished":false}`.
 */
export const OriginalPosition = z.object({
  routeId: Id,
  clientId: z.string().max(128),
  position: LngLat,
  finished: z.boolean(),
});
export type OriginalPosition = z.infer<typeof OriginalPosition>;

/** The fields fleetlab added to a position; a position with none of them is in the original form. */
export const ADDED_POSITION_FIELDS = ['tripId', 'vehicleId', 'seq', 'ts'] as const;

/** True for an object that carries none of the fields fleetlab added: it is read as an original position. */
export function isOriginalForm(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return ADDED_POSITION_FIELDS.every((field) => !(field in value));
}

/** Either form; `'tripId' in p` tells them apart. */
export type AnyPosition = NewPosition | OriginalPosition;

function checkWith<T>(schema: z.ZodType<T>, value: unknown, ctx: z.RefinementCtx): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue(issue);
  return z.NEVER;
}

/**
 * What the api delivers to browsers: a fleetlab position, or an original one (none of the added fields), which
 * reaches only the socket named by its `clientId`, as the original backend did.
 */
export const DeliverablePosition: z.ZodType<AnyPosition, z.ZodTypeDef, unknown> = z
  .unknown()
  .transform((value, ctx): AnyPosition => (isOriginalForm(value) ? checkWith(OriginalPosition, value, ctx) : checkWith(NewPosition, value, ctx)));

/** The reason the consumer gives when it dead-letters an original position. */
export const ORIGINAL_POSITION_NOT_STORED =
  'original Code Delivery position (no tripId, vehicleId, seq, ts): delivered to its browser, not stored; ' +
  'history needs the trip and the point index to stay exact under redelivery, and a keyless record has neither ' +
  'nor a partition order to derive them from';

/**
 * What the consumer stores: a fleetlab position. An original one is refused with ORIGINAL_POSITION_NOT_STORED
 * rather than with a list of missing fields, so the dead letter says why.
 */
export const StorablePosition: z.ZodType<NewPosition, z.ZodTypeDef, unknown> = z.unknown().transform((value, ctx): NewPosition => {
  if (isOriginalForm(value) && OriginalPosition.safeParse(value).success) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: ORIGINAL_POSITION_NOT_STORED });
    return z.NEVER;
  }
  return checkWith(NewPosition, value, ctx);
});

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
