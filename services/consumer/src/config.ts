// The consumer's configuration: every environment variable it reads, parsed and validated once, here only.
import { z } from 'zod';
import { env, loadConfigOrExit, parseEnv } from '@fleetlab/runtime';
import { DEFAULT_PROGRESS_INTERVAL_MS } from './trip-history-store';

const DEFAULT_DATABASE = 'fleetlab';

// mongodb://[user:pass@]host[:port][,host…]/<database>[?options]; credentials must be percent-encoded, so the
// first '/' after the hosts starts the database.
const MONGO_URL_PATTERN = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?[^/?@]+(?:\/([^?]*))?(?:\?.*)?$/;

const mongoUrl = z
  .string()
  .default(`mongodb://127.0.0.1:27017/${DEFAULT_DATABASE}`)
  .refine((url) => MONGO_URL_PATTERN.test(url), 'expected mongodb://host[:port]/<database>')
  .transform((url) => {
    const database = decodeURIComponent(MONGO_URL_PATTERN.exec(url)?.[1] ?? '');
    return { url, database: database === '' ? DEFAULT_DATABASE : database };
  });

export const configShape = {
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: env.port(3002),
  KAFKA_BROKERS: env.brokers('127.0.0.1:9092'),
  KAFKA_PARTITIONS: env.positiveInt(6),
  MONGO_URL: mongoUrl,
  LOG_LEVEL: env.logLevel(),
  /**
   * How many partitions are handled at once (kafkajs partitionsConsumedConcurrently). 1 by default: FerretDB on
   * SQLite serialises writes, and three concurrent update batches took 23 s where one after another took 5 s.
   * Raise it against MongoDB.
   */
  CONSUMER_CONCURRENCY: env.positiveInt(1),
  /**
   * A running trip's progress in `trips` (lastSeq, lastPosition, count) is written at most this often; status
   * changes are written with their batch. 0 writes every batch. Each trip update costs FerretDB about 0.3 ms, so
   * writing 10,000 running trips every batch caps the consumer near 1,000 positions/s (docs/benchmarks.md).
   */
  CONSUMER_PROGRESS_INTERVAL_MS: z.coerce.number().int().min(0).default(DEFAULT_PROGRESS_INTERVAL_MS),
};

export interface Config {
  host: string;
  port: number;
  kafka: { brokers: string[]; partitions: number; groupId: string; clientId: string; concurrency: number };
  mongo: { url: string; database: string };
  progressIntervalMs: number;
  logLevel: z.infer<typeof configShape.LOG_LEVEL>;
}

/** Parses the given environment; throws a ConfigError naming every bad variable. */
export function parseConfig(source: NodeJS.ProcessEnv): Config {
  const vars = parseEnv(configShape, source);
  return {
    host: vars.HOST,
    port: vars.PORT,
    kafka: {
      brokers: vars.KAFKA_BROKERS,
      partitions: vars.KAFKA_PARTITIONS,
      // The group name is part of the contract (docs/architecture.md), not a setting.
      groupId: 'consumer',
      clientId: 'consumer',
      concurrency: vars.CONSUMER_CONCURRENCY,
    },
    mongo: vars.MONGO_URL,
    progressIntervalMs: vars.CONSUMER_PROGRESS_INTERVAL_MS,
    logLevel: vars.LOG_LEVEL,
  };
}

/** The process configuration, or exit status 78 with every bad variable named. */
export function loadConfig(): Config {
  return loadConfigOrExit('consumer', () => parseConfig(process.env));
}
