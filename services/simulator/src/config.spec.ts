import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '@fleetlab/runtime';
import { loadConfig, parseConfig } from './config';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('config', () => {
  it('has the documented defaults', () => {
    expect(parseConfig({})).toEqual({
      HOST: '127.0.0.1',
      PORT: 3001,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      KAFKA_PARTITIONS: 6,
      KAFKA_REPLICATION_FACTOR: 1,
      API_URL: 'http://127.0.0.1:3000',
      PACE_MS: 500,
      SPEED_FACTOR: 1,
      TICK_MS: 20,
      MAX_BATCH_MESSAGES: 5_000,
      MAX_PENDING_MESSAGES: 100_000,
      ROUTE_CACHE_MAX: 10_000,
      ROUTE_FETCH_TIMEOUT_MS: 5_000,
      LOG_LEVEL: 'info',
    });
  });

  it('coerces values and trims a trailing slash from API_URL', () => {
    const config = parseConfig({ SPEED_FACTOR: '2.5', API_URL: 'http://api:3000/', KAFKA_BROKERS: 'a:1, b:2' });
    expect(config.SPEED_FACTOR).toBe(2.5);
    expect(config.API_URL).toBe('http://api:3000');
    expect(config.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
  });

  it('names every bad variable', () => {
    expect(() => parseConfig({ SPEED_FACTOR: '0', PACE_MS: 'fast', API_URL: 'nowhere', TICK_MS: '5000' })).toThrow(
      ConfigError,
    );
    try {
      parseConfig({ SPEED_FACTOR: '0', PACE_MS: 'fast', API_URL: 'nowhere', TICK_MS: '5000' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('SPEED_FACTOR="0"');
      expect(message).toContain('PACE_MS="fast"');
      expect(message).toContain('API_URL="nowhere"');
      expect(message).toContain('TICK_MS="5000"');
    }
  });

  it('exits with status 78, naming the bad variable, when the environment is wrong', () => {
    vi.stubEnv('PORT', 'eighty');
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(() => loadConfig()).toThrow('exit 78');
    expect(exit).toHaveBeenCalledWith(78);
    expect(String(stderr.mock.calls[0]?.[0])).toContain('PORT="eighty"');
  });
});
