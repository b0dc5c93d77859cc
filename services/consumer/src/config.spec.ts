import { describe, expect, it } from 'vitest';
import { ConfigError } from '@fleetlab/runtime';
import { parseConfig } from './config';

describe('parseConfig', () => {
  it('has the documented defaults', () => {
    expect(parseConfig({})).toEqual({
      HOST: '127.0.0.1',
      PORT: 3002,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      KAFKA_PARTITIONS: 6,
      KAFKA_REPLICATION_FACTOR: 1,
      LOG_LEVEL: 'info',
      MONGO_URL: 'mongodb://127.0.0.1:27017/fleetlab',
      MONGO_DATABASE: 'fleetlab',
      CONSUMER_CONCURRENCY: 1,
      CONSUMER_PROGRESS_INTERVAL_MS: 5000,
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
      expect(parseConfig({ MONGO_URL: url })).toMatchObject({ MONGO_URL: url, MONGO_DATABASE: database });
    }
  });

  it('takes the brokers, concurrency and partitions', () => {
    const config = parseConfig({ KAFKA_BROKERS: 'a:1, b:2', CONSUMER_CONCURRENCY: '6', KAFKA_PARTITIONS: '12', PORT: '0' });
    expect(config).toMatchObject({ KAFKA_BROKERS: ['a:1', 'b:2'], CONSUMER_CONCURRENCY: 6, KAFKA_PARTITIONS: 12, PORT: 0 });
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
