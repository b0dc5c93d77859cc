import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_MONGO_DATABASE, env, mongoDatabase, mongoUrl, parseEnv, serviceShape } from './config';

const shape = { PORT: env.port(3000), KAFKA_BROKERS: env.brokers('127.0.0.1:9092'), DEBUG: env.bool(false) };

describe('parseEnv', () => {
  it('applies defaults and coerces', () => {
    expect(parseEnv(shape, { PORT: '4000' })).toEqual({ PORT: 4000, KAFKA_BROKERS: ['127.0.0.1:9092'], DEBUG: false });
  });

  it('treats an empty variable as unset', () => {
    expect(parseEnv(shape, { PORT: '' }).PORT).toBe(3000);
  });

  it('names every bad variable at once', () => {
    try {
      parseEnv(shape, { PORT: 'eighty', KAFKA_BROKERS: 'nohost', DEBUG: 'maybe' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain('PORT="eighty"');
      expect(message).toContain('KAFKA_BROKERS="nohost"');
      expect(message).toContain('DEBUG="maybe"');
    }
  });
});

describe('the variables every service shares', () => {
  it('serviceShape declares where it listens, Kafka and the log level, with the port given', () => {
    const vars = parseEnv(serviceShape(3002), {});
    expect(vars).toEqual({ HOST: '127.0.0.1', PORT: 3002, KAFKA_BROKERS: ['127.0.0.1:9092'], KAFKA_PARTITIONS: 6, KAFKA_REPLICATION_FACTOR: 1, LOG_LEVEL: 'info' });
    expect(() => parseEnv(serviceShape(1), { KAFKA_BROKERS: 'nope', LOG_LEVEL: 'loud' })).toThrow(/KAFKA_BROKERS=.*\n.*LOG_LEVEL=/);
  });

  it('MONGO_URL is a mongodb URL, and names its database or gets the default', () => {
    const shape = { MONGO_URL: mongoUrl() };
    for (const bad of ['postgres://db/x', 'mongodb://', 'mongodb://a b/x']) {
      expect(() => parseEnv(shape, { MONGO_URL: bad }), bad).toThrow(/MONGO_URL=.*expected mongodb:\/\/host/);
    }
    const url = 'mongodb://u:p%2Fw@a:1,b:2/trips-db?replicaSet=rs0';
    expect(parseEnv(shape, { MONGO_URL: url }).MONGO_URL).toBe(url);
    expect(mongoDatabase(url)).toBe('trips-db');
    expect(mongoDatabase(parseEnv(shape, {}).MONGO_URL)).toBe(DEFAULT_MONGO_DATABASE);
  });
});
