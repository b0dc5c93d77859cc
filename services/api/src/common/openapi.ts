import type { SchemaObject } from '@nestjs/swagger';

/** The error body every endpoint answers with; `fields` only on 400. */
export const errorSchema: SchemaObject = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    fields: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string', example: 'points.1.0' }, message: { type: 'string' } } },
    },
  },
};

/**
 * `[lng, lat]` with each range, as the contracts' LngLat validates it. The document is OpenAPI 3.1 for this:
 * `prefixItems` says what 3.0's single `items` could not, so a fuzzer's valid pair is one the api accepts.
 */
export const lngLatSchema = {
  type: 'array',
  prefixItems: [
    { type: 'number', minimum: -180, maximum: 180 },
    { type: 'number', minimum: -90, maximum: 90 },
  ],
  minItems: 2,
  maxItems: 2,
  description: '[lng, lat], GeoJSON order; lng in [-180, 180], lat in [-90, 90]',
  example: [-47.8825, -15.7942],
} as SchemaObject;

/**
 * `[lng, lat]` in a response: the same pair without `prefixItems`, which schemathesis 4.32 cannot read in response
 * schemas ("is not of types boolean, object"); the api only ever answers pairs it validated on the way in.
 */
export const lngLatResponseSchema: SchemaObject = {
  type: 'array',
  items: { type: 'number', minimum: -180, maximum: 180 },
  minItems: 2,
  maxItems: 2,
  description: '[lng, lat], GeoJSON order',
  example: [-47.8825, -15.7942],
};

/** An id as the api validates it: 1 to 128 characters. */
export const idSchema: SchemaObject = { type: 'string', minLength: 1, maxLength: 128 };
