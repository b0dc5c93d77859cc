import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses environment variables against a schema whose keys are the variable names.
 * Throws a ConfigError naming every bad variable at once, not just the first.
 */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv,
): z.infer<z.ZodObject<S>> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const raw = env[key];
    // An empty variable means "not set", as in most shells' `FOO= cmd`.
    input[key] = raw === '' ? undefined : raw;
  }
  const result = z.object(shape).safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(env)');
      return `${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
    }),
  );
}

/**
 * Parses config or exits the process with status 78 (EX_CONFIG), every bad variable named on stderr.
 * Runs before the logger exists, so it writes the message directly.
 */
export function loadConfigOrExit<T>(service: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/** Reusable variable types. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  positiveNumber: (fallback: number) => z.coerce.number().positive().finite().default(fallback),
  brokers: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).min(1, 'expected host:port[,host:port]')),
  url: (fallback: string) => z.string().url().default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

/** The database when MONGO_URL names none. */
export const DEFAULT_MONGO_DATABASE = 'fleetlab';

// mongodb://[user:pass@]host[:port][,host…]/<database>[?options]; credentials must be percent-encoded, so the
// first '/' after the hosts starts the database. No white space anywhere.
const MONGO_URL_PATTERN = /^mongodb(?:\+srv)?:\/\/(?:[^@/\s]*@)?[^/?@\s]+(?:\/([^?\s]*))?(?:\?\S*)?$/;

/** MONGO_URL, checked one way for every service. */
export const mongoUrl = (): z.ZodType<string, z.ZodTypeDef, string | undefined> =>
  z
    .string()
    .default(`mongodb://127.0.0.1:27017/${DEFAULT_MONGO_DATABASE}`)
    .refine((url) => MONGO_URL_PATTERN.test(url), 'expected mongodb://host[:port]/<database>');

/** The database a MONGO_URL names (percent-decoded), or DEFAULT_MONGO_DATABASE. */
export function mongoDatabase(url: string): string {
  const database = decodeURIComponent(MONGO_URL_PATTERN.exec(url)?.[1] ?? '');
  return database === '' ? DEFAULT_MONGO_DATABASE : database;
}

/**
 * The variables every service reads, declared once: where it listens, its Kafka, its log level. Each service's
 * config.ts spreads it into its own shape and adds its own variables (MONGO_URL: `mongoUrl()`).
 */
export function serviceShape(port: number) {
  return {
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: env.port(port),
    KAFKA_BROKERS: env.brokers('127.0.0.1:9092'),
    /** Partitions of the topics a service creates when they are missing. */
    KAFKA_PARTITIONS: env.positiveInt(6),
    /** Replicas of each partition of those topics; at most the number of brokers. */
    KAFKA_REPLICATION_FACTOR: env.positiveInt(1),
    LOG_LEVEL: env.logLevel(),
  };
}
