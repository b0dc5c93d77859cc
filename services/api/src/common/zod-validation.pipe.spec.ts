import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LngLat } from '@fleetlab/contracts';
import { ZodValidationPipe } from './zod-validation.pipe';

const schema = z.object({ title: z.string().min(1), points: z.array(LngLat).min(2), limit: z.coerce.number().default(50) });

function rejection(pipe: ZodValidationPipe<z.ZodTypeAny>, value: unknown): unknown {
  try {
    pipe.transform(value);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as BadRequestException).getResponse();
  }
  return expect.unreachable('the pipe accepted the value');
}

describe('ZodValidationPipe', () => {
  it('returns the parsed value, with defaults and without unknown fields', () => {
    const pipe = new ZodValidationPipe(schema);
    expect(pipe.transform({ title: 'a', points: [[1, 2], [3, 4]], extra: true })).toEqual({
      title: 'a',
      points: [[1, 2], [3, 4]],
      limit: 50,
    });
  });

  it('answers the 400 shape, naming every bad field with its path', () => {
    const body = rejection(new ZodValidationPipe(schema), { title: '', points: [[1, 2], [3, 95]] });
    expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    const { message, fields } = body as { message: string; fields: Array<{ field: string; message: string }> };
    expect(fields.map((f) => f.field)).toEqual(['title', 'points.1.1']);
    expect(fields.every((f) => f.message.length > 0)).toBe(true);
    expect(message).toContain('title');
    expect(message).toContain('points.1.1');
  });

  it('names the root when there is no body at all', () => {
    const body = rejection(new ZodValidationPipe(schema, 'query'), undefined) as { message: string; fields: unknown[] };
    expect(body.fields).toEqual([{ field: '(root)', message: 'Required' }]);
    expect(body.message).toMatch(/^invalid query/);
  });
});
