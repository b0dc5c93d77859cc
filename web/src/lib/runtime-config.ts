// Loads /config.json (served next to index.html by the lab or a Kubernetes ConfigMap) over the build-time config,
// so one build runs anywhere: URLs are injected at deploy time, not baked in.
import {
  ConfigError,
  buildTimeEnv,
  parseEnv,
  parseOverrides,
  resolveConfig,
  type AppConfig,
  type ConfigOverrides,
} from '../config/env';

export const RUNTIME_CONFIG_FILE = 'config.json';

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * The runtime settings, or undefined when none are served. A dev server or an SPA fallback answers an absent file
 * with 404 or with index.html: both mean "none". A config.json that is there but wrong stops the app, naming the field.
 */
export async function fetchRuntimeOverrides(url: string, fetchFn: FetchLike): Promise<ConfigOverrides | undefined> {
  let response: Response;
  try {
    response = await fetchFn(url, { cache: 'no-store', headers: { accept: 'application/json' } });
  } catch {
    return undefined;
  }
  if (!response.ok) return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return undefined;
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    throw new ConfigError(RUNTIME_CONFIG_FILE, [`not JSON: ${(error as Error).message}`]);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ConfigError(RUNTIME_CONFIG_FILE, ['expected a JSON object']);
  }
  return parseOverrides(body as Record<string, unknown>, RUNTIME_CONFIG_FILE, (key) => `${RUNTIME_CONFIG_FILE} ${key}`);
}

/** The app's configuration: defaults < VITE_* variables < config.json. Throws ConfigError naming every bad setting. */
export async function loadRuntimeConfig(options?: {
  fetchFn?: FetchLike;
  baseUrl?: string;
  env?: Record<string, string | undefined>;
}): Promise<AppConfig> {
  const baseUrl = options?.baseUrl ?? document.baseURI;
  const env = parseEnv(options?.env ?? buildTimeEnv());
  const runtime = await fetchRuntimeOverrides(
    new URL(RUNTIME_CONFIG_FILE, baseUrl).toString(),
    options?.fetchFn ?? ((input, init) => fetch(input, init)),
  );
  return resolveConfig({ env, runtime, origin: new URL(baseUrl).origin });
}
