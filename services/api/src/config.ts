import { env, loadConfigOrExit, mongoUrl, parseEnv, serviceShape } from '@fleetlab/runtime';
import { z } from 'zod';

/** Every variable the api reads, with its default; parsed once at start and provided through DI. */
export const configShape = {
  ...serviceShape(3000),
  MONGO_URL: mongoUrl(),
  SOCKET_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  CORS_ORIGINS: z
    .string()
    .default('*')
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.string()).min(1, 'expected * or a comma-separated list of origins')),
  DEFAULT_PACE_MS: z.coerce.number().int().min(1).max(60_000).default(500),
  /** How many trips of each fleet are traced; the rest carry an unsampled context, so a 10,000-vehicle fleet costs no more telemetry than a small one. */
  FLEET_TRACED_TRIPS: z.coerce.number().int().min(0).max(100_000).default(10),
  /** Admission: vehicles on the road at once (this instance's trips and fleets); beyond it a request is a 429. */
  API_MAX_VEHICLES_ON_ROAD: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
  /** Admission: routes one request may generate (POST /routes/generate count; a generated fleet's routes are capped to it). */
  API_MAX_ROUTES_PER_REQUEST: z.coerce.number().int().min(1).max(1000).default(1000),
  /** Every database call: maxTimeMS on the server, and the socket timeout on the client; a 503 with the reason past it. */
  API_DB_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** Finished and cancelled trips (and their positions, fleets, index entries) older than this are pruned; 0 keeps all. */
  API_RETENTION_HOURS: z.coerce.number().min(0).max(100_000).default(168),
  /** How often retention runs. */
  API_RETENTION_INTERVAL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(600_000),
  /** HTTP fault injection for chaos experiments: its admin port on 127.0.0.1; 0 (the default) means none at all. */
  FAULT_INJECTION_PORT: env.port(0),
};

export type Config = z.infer<z.ZodObject<typeof configShape>>;

export function parseConfig(source: NodeJS.ProcessEnv): Config {
  return parseEnv(configShape, source);
}

/** The one place that reads process.env: a bad variable exits with status 78, naming it. */
export function loadConfig(): Config {
  return loadConfigOrExit('api', () => parseConfig(process.env));
}

/**
 * DI token for the parsed config; the interface merge gives it the config's fields. The merge is safe here because
 * the class is abstract, has no members and is only ever a token: the provider supplies a plain parsed object.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class AppConfig {}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface AppConfig extends Config {}

/** `*` allows every origin; otherwise the listed ones. */
export function corsOrigin(config: Pick<Config, 'CORS_ORIGINS'>): string[] | true {
  return config.CORS_ORIGINS.includes('*') ? true : config.CORS_ORIGINS;
}
