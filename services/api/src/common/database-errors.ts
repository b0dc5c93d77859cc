import { Catch, HttpStatus, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter, type HttpAdapterHost } from '@nestjs/core';
import { mongo } from 'mongoose';
import { AdmissionException } from '../admission/road-ledger';

const {
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} = mongo;

interface Response {
  setHeader(name: string, value: string): void;
  status(code: number): { json(body: unknown): void };
}

/** MongoDB's MaxTimeMSExpired: the server gave up on an operation at its maxTimeMS. */
const MAX_TIME_MS_EXPIRED = 50;

/**
 * Why the database could not answer, in the api's own words, or undefined when the error is not a database that is
 * slow or away (a duplicate key is a bug or a conflict, not a 503).
 */
export function databaseUnavailableReason(error: unknown, timeoutMs: number): string | undefined {
  if (error instanceof MongoServerError && error.code === MAX_TIME_MS_EXPIRED) {
    return `the database did not answer within ${timeoutMs} ms (API_DB_TIMEOUT_MS)`;
  }
  if (error instanceof MongoNetworkTimeoutError || error instanceof MongoOperationTimeoutError) {
    return `the database did not answer within ${timeoutMs} ms (API_DB_TIMEOUT_MS)`;
  }
  if (error instanceof MongoServerSelectionError || error instanceof MongoNotConnectedError || error instanceof MongoTopologyClosedError) {
    return 'the database is not reachable';
  }
  if (error instanceof Error && error.message === 'database not connected') return 'the database is not connected yet';
  return undefined;
}

/**
 * Answers a database that is slow or away with 503 and the reason, and a refused admission with 429 and
 * `Retry-After`; anything else goes to Nest's own handling.
 */
@Catch()
export class DatabaseErrorsFilter extends BaseExceptionFilter {
  constructor(
    private readonly timeoutMs: number,
    adapter: HttpAdapterHost['httpAdapter'],
  ) {
    super(adapter);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() === 'http') {
      const response = host.switchToHttp().getResponse<Response>();
      if (exception instanceof AdmissionException) {
        response.setHeader('Retry-After', String(exception.refusal.retryAfterSeconds));
      }
      const reason = databaseUnavailableReason(exception, this.timeoutMs);
      if (reason) {
        response.status(HttpStatus.SERVICE_UNAVAILABLE).json({ statusCode: 503, error: 'Service Unavailable', message: reason });
        return;
      }
    }
    super.catch(exception, host);
  }
}
