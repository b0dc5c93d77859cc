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
