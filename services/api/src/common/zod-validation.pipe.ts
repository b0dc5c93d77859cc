import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

export interface FieldProblem {
  field: string;
  message: string;
}

/** The 400 body every endpoint answers for a bad request. */
export interface BadRequestBody {
  statusCode: 400;
  error: 'Bad Request';
  message: string;
  fields: FieldProblem[];
}

export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : '(root)',
    message: issue.message,
  }));
}

export function badRequestBody(what: string, problems: FieldProblem[]): BadRequestBody {
  const named = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  return { statusCode: 400, error: 'Bad Request', message: `invalid ${what}: ${named}`, fields: problems };
}

/**
 * Validates a body, query or param with a zod schema at the edge; the handler gets the parsed (coerced,
 * defaulted, stripped) value. A failure is a 400 naming every offending field.
 * Not decorated on purpose: it is built with `new` per use, and stays unit-testable without Nest metadata.
 */
export class ZodValidationPipe<S extends z.ZodTypeAny> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly what = 'body',
  ) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    throw new BadRequestException(badRequestBody(this.what, fieldProblems(result.error)));
  }
}
