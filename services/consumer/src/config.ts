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

/** The consumer group and Kafka client id: part of the contract (docs/architecture.md), not a setting. */
export const KAFKA_GROUP_ID = 'consumer';

/** The variables, as every service has them, plus the database MONGO_URL names. */
export type Config = z.infer<z.ZodObject<typeof configShape>> & { MONGO_DATABASE: string };

/** Parses the given environment; throws a ConfigError naming every bad variable. */
export function parseConfig(source: NodeJS.ProcessEnv): Config {
  const vars = parseEnv(configShape, source);
  return { ...vars, MONGO_DATABASE: mongoDatabase(vars.MONGO_URL) };
}

/** The process configuration, or exit status 78 with every bad variable named. */
export function loadConfig(): Config {
  return loadConfigOrExit('consumer', () => parseConfig(process.env));
}
