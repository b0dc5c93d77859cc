import { describe, expect, it } from 'vitest';
import { ConfigError } from '@fleetlab/runtime';
import { parseConfig } from './config';

describe('parseConfig', () => {
  it('has the documented defaults', () => {
    expect(parseConfig({})).toEqual({
      host: '127.0.0.1',
      port: 3002,
      kafka: { brokers: ['127.0.0.1:9092'], partitions: 6, groupId: 'consumer', clientId: 'consumer', concurrency: 1 },
      mongo: { url: 'mongodb://127.0.0.1:27017/fleetlab', database: 'fleetlab' },
      progressIntervalMs: 5000,
      logLevel: 'info',
    });
  });

  it('reads the database from MONGO_URL', () => {
    const cases: Array<[string, string]> = [
      ['mongodb://127.0.0.1:27018/consumer-dev', 'consumer-dev'],
      ['mongodb://u:p%2Fw@a:1,b:2/trips-db?replicaSet=rs0', 'trips-db'],
      ['mongodb+srv://cluster.example.com/x?retryWrites=true', 'x'],
      ['mongodb://127.0.0.1:27017', 'fleetlab'],
      ['mongodb://127.0.0.1:27017/?directConnection=true', 'fleetlab'],
    ];
    for (const [url, database] of cases) {
      expect(parseConfig({ MONGO_URL: url }).mongo).toEqual({ url, database });
    }
  });

  it('takes the brokers, concurrency and partitions', () => {
    const config = parseConfig({ KAFKA_BROKERS: 'a:1, b:2', CONSUMER_CONCURRENCY: '6', KAFKA_PARTITIONS: '12', PORT: '0' });
    expect(config.kafka).toMatchObject({ brokers: ['a:1', 'b:2'], concurrency: 6, partitions: 12 });
    expect(config.port).toBe(0);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      parseConfig({ PORT: 'x', MONGO_URL: 'postgres://db/x', CONSUMER_CONCURRENCY: '0', KAFKA_BROKERS: 'nope' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'MONGO_URL', 'CONSUMER_CONCURRENCY', 'KAFKA_BROKERS']) expect(message).toContain(name);
  });
});
