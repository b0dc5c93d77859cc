/** Route request bodies: zod validates them at the edge; the schema objects only describe them in OpenAPI. */
import type { SchemaObject } from '@nestjs/swagger';
import { LngLat, type Route } from '@fleetlab/contracts';
import { z } from 'zod';
import { lngLatResponseSchema, lngLatSchema } from '../common/openapi';

export const MAX_ROUTE_POINTS = 10_000;

const RouteId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

const Points = z.array(LngLat).min(2, 'a route needs at least 2 points').max(MAX_ROUTE_POINTS);

export const LineString = z.object({
  type: z.literal('LineString'),
  coordinates: Points,
});

export const CreateRouteBody = z
  .object({
    id: RouteId.optional(),
    title: z.string().trim().min(1).max(200),
    geometry: LineString.optional(),
    points: Points.optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.geometry === undefined) === (body.points === undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['geometry'], message: 'give exactly one of geometry or points' });
    }
  });
export type CreateRouteBody = z.infer<typeof CreateRouteBody>;

/** The route a valid create body describes; the id is the given one or `fallbackId`. */
export function routeFromBody(body: CreateRouteBody, fallbackId: string): Route {
  const points = body.geometry?.coordinates ?? body.points ?? [];
  return {
    id: body.id ?? fallbackId,
    title: body.title,
    startPosition: points[0]!,
    endPosition: points[points.length - 1]!,
    points,
  };
}

export const GenerateRoutesBody = z.object({
  seed: z.number().int().min(0).max(2 ** 32 - 1),
  count: z.number().int().min(1).max(1000),
  center: LngLat.optional(),
  points: z.number().int().min(10).max(500).optional(),
});
export type GenerateRoutesBody = z.infer<typeof GenerateRoutesBody>;

/** GeoJSON seed file: a FeatureCollection of LineStrings with `properties.id` and `properties.title`. */
export const RouteFeatureCollection = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      properties: z.object({ id: RouteId, title: z.string() }),
      geometry: LineString,
    }),
  ),
});

export function routesFromGeoJson(json: unknown): Route[] {
  const collection = RouteFeatureCollection.parse(json);
  return collection.features.map((feature) => {
    const points = feature.geometry.coordinates;
    return {
      id: feature.properties.id,
      title: feature.properties.title,
      startPosition: points[0]!,
      endPosition: points[points.length - 1]!,
      points,
    };
  });
}

// OpenAPI descriptions of the same shapes (kept beside the zod schemas so they change together).

export const routeSummarySchema: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    startPosition: lngLatResponseSchema,
    endPosition: lngLatResponseSchema,
    pointCount: { type: 'integer' },
    source: { type: 'string', enum: ['seed', 'user', 'generated'] },
  },
};

export const routeSchema: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    startPosition: lngLatResponseSchema,
    endPosition: lngLatResponseSchema,
    points: { type: 'array', items: lngLatResponseSchema },
  },
};

export const createRouteBodySchema: SchemaObject = {
  type: 'object',
  required: ['title'],
  description: 'Exactly one of geometry or points, at least 2 points.',
  // Exactly one: with both, both branches match; with neither, none does.
  oneOf: [{ required: ['geometry'] }, { required: ['points'] }],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9._:-]+$', minLength: 1, maxLength: 128, description: 'generated when absent' },
    // Trimmed before the length check, so at least one character that is not a space.
    title: { type: 'string', pattern: '\\S', maxLength: 200 },
    geometry: {
      type: 'object',
      required: ['type', 'coordinates'],
      properties: {
        type: { type: 'string', enum: ['LineString'] },
        coordinates: { type: 'array', items: lngLatSchema, minItems: 2, maxItems: MAX_ROUTE_POINTS },
      },
    },
    points: { type: 'array', items: lngLatSchema, minItems: 2, maxItems: MAX_ROUTE_POINTS },
  },
  example: { title: 'Around the block', points: [[-47.8825, -15.7942], [-47.8822, -15.7942], [-47.8822, -15.7945]] },
};

export const generateRoutesBodySchema: SchemaObject = {
  type: 'object',
  required: ['seed', 'count'],
  properties: {
    seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
    count: { type: 'integer', minimum: 1, maximum: 1000 },
    center: { ...lngLatSchema, description: '[lng, lat] the grid is centred on; Brasília by default' },
    points: { type: 'integer', minimum: 10, maximum: 500, description: 'points per route, 60 by default' },
  },
  example: { seed: 42, count: 10 },
};
