import { describe, expect, it } from 'vitest';
import { ConfigError, env, parseEnv } from './config';

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
