// The consumer's configuration: every environment variable it reads, parsed and validated once, here only.
import { z } from 'zod';
import { env, loadConfigOrExit, mongoDatabase, mongoUrl, parseEnv, serviceShape } from '@fleetlab/runtime';
import { DEFAULT_PROGRESS_INTERVAL_MS } from './trip-history-store';

export const configShape = {
  ...serviceShape(3002),
  MONGO_URL: mongoUrl(),
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
    mongo: { url: vars.MONGO_URL, database: mongoDatabase(vars.MONGO_URL) },
    progressIntervalMs: vars.CONSUMER_PROGRESS_INTERVAL_MS,
    logLevel: vars.LOG_LEVEL,
  };
}

/** The process configuration, or exit status 78 with every bad variable named. */
export function loadConfig(): Config {
  return loadConfigOrExit('consumer', () => parseConfig(process.env));
}
