import { describe, expect, it } from 'vitest';
import { mongo } from 'mongoose';
import { databaseUnavailableReason } from './database-errors';

const { MongoNetworkTimeoutError, MongoServerError, MongoServerSelectionError } = mongo;

describe('databaseUnavailableReason', () => {
  it('names a server-side maxTimeMS expiry and a client-side socket timeout as the timeout', () => {
    const expired = new MongoServerError({ code: 50, errmsg: 'operation exceeded time limit' });
    expect(databaseUnavailableReason(expired, 2000)).toBe('the database did not answer within 2000 ms (API_DB_TIMEOUT_MS)');
    expect(databaseUnavailableReason(new MongoNetworkTimeoutError('timed out'), 2000)).toContain('2000 ms');
  });

  it('names an unreachable database', () => {
    const selection = new MongoServerSelectionError('no server', { type: 'Unknown', servers: new Map(), stale: false, compatible: true, heartbeatFrequencyMS: 0, localThresholdMS: 0, setName: null, maxElectionId: null, maxSetVersion: null, commonWireVersion: 0, logicalSessionTimeoutMinutes: null } as never);
    expect(databaseUnavailableReason(selection, 2000)).toBe('the database is not reachable');
  });

  it('leaves other errors alone', () => {
    expect(databaseUnavailableReason(new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key' }), 2000)).toBeUndefined();
    expect(databaseUnavailableReason(new Error('boom'), 2000)).toBeUndefined();
  });
});
