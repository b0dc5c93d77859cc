/** Fleet request shapes: zod validates them at the edge; the schema objects only describe them in OpenAPI. */
import type { SchemaObject } from '@nestjs/swagger';
import { LngLat } from '@fleetlab/contracts';
import { z } from 'zod';
import { idSchema, lngLatSchema } from '../common/openapi';

export const MAX_VEHICLES = 20_000;
/** A generated fleet gets one route per vehicle up to this many distinct routes, then reuses them round-robin. */
export const MAX_GENERATED_ROUTES = 1000;

export const CreateFleetBody = z
  .object({
    vehicles: z.number().int().min(1).max(MAX_VEHICLES),
    routeIds: z.array(z.string().min(1).max(128)).min(1).max(1000).optional(),
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
  });
export type CreateFleetBody = z.infer<typeof CreateFleetBody>;

/** Route of vehicle i: the routes are taken round-robin. */
export function routeForVehicle(routeIds: readonly string[], vehicle: number): string {
  return routeIds[vehicle % routeIds.length]!;
}

export const createFleetBodySchema: SchemaObject = {
  type: 'object',
  required: ['vehicles'],
  description: 'Routes are taken round-robin from routeIds, or generated (one per vehicle up to 1000), or the seed routes.',
  // routeIds or generate, not both.
  not: { required: ['routeIds', 'generate'] },
  properties: {
    vehicles: { type: 'integer', minimum: 1, maximum: MAX_VEHICLES },
    routeIds: { type: 'array', items: idSchema, minItems: 1, maxItems: 1000 },
    generate: {
      type: 'object',
      required: ['seed'],
      properties: {
        seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
        center: lngLatSchema,
        points: { type: 'integer', minimum: 10, maximum: 500 },
      },
    },
    paceMs: { type: 'integer', minimum: 1, maximum: 60000 },
  },
  example: { vehicles: 100, generate: { seed: 42 } },
};

export const fleetCreatedSchema: SchemaObject = {
  type: 'object',
  properties: { fleetId: { type: 'string' }, vehicles: { type: 'integer' }, routeIds: { type: 'array', items: { type: 'string' } } },
};

export const fleetSchema: SchemaObject = {
  type: 'object',
  properties: {
    fleetId: { type: 'string' },
    vehicles: { type: 'integer' },
    paceMs: { type: 'integer' },
    status: { type: 'string', enum: ['running', 'cancelled'] },
    trips: {
      type: 'object',
      properties: {
        requested: { type: 'integer' },
        running: { type: 'integer' },
        finished: { type: 'integer' },
        cancelled: { type: 'integer' },
      },
    },
    createdAt: { type: 'string', format: 'date-time' },
  },
};

export const fleetCancelledSchema: SchemaObject = {
  type: 'object',
  properties: { fleetId: { type: 'string' }, status: { type: 'string', enum: ['cancelled'] }, cancelled: { type: 'integer' } },
};
