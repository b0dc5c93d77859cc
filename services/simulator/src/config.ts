// The simulator's configuration: every environment variable it reads, parsed once and validated.
import { z } from 'zod';
import { env, loadConfigOrExit, parseEnv, serviceShape } from '@fleetlab/runtime';

export const configShape = {
  ...serviceShape(3001),
  /** Where routes come from: `GET ${API_URL}/routes/:id`. */
  API_URL: env.url('http://127.0.0.1:3000').transform((url) => url.replace(/\/+$/, '')),
  /** Milliseconds between two points when a direction carries no paceMs. */
  PACE_MS: env.positiveInt(500).pipe(z.number().max(60_000)),
  /** Divides every pace: 2 plays trips twice as fast, 0.5 half as fast. */
  SPEED_FACTOR: env.positiveNumber(1),
  /** Scheduler resolution: the one timer of the process fires this often. */
  TICK_MS: env.positiveInt(20).pipe(z.number().max(1_000)),
  /** Most positions in one producer.send. */
  MAX_BATCH_MESSAGES: env.positiveInt(5_000),
  /** Positions waiting for Kafka before the scheduler stops collecting more (backpressure). */
  MAX_PENDING_MESSAGES: env.positiveInt(100_000),
  /** Routes kept in memory; the least recently used goes first. Running trips keep theirs regardless. */
  ROUTE_CACHE_MAX: env.positiveInt(10_000),
  ROUTE_FETCH_TIMEOUT_MS: env.positiveInt(5_000),
};

export type Config = z.infer<z.ZodObject<typeof configShape>>;

/** Parses a given environment; throws a ConfigError naming every bad variable. */
export function parseConfig(source: NodeJS.ProcessEnv): Config {
  return parseEnv(configShape, source);
}

/** The process configuration, or exit 78 with every bad variable named. The only reader of process.env. */
export function loadConfig(): Config {
  return loadConfigOrExit('simulator', () => parseConfig(process.env));
}
