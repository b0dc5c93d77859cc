// The app's configuration: one schema, fed by build-time VITE_* variables and a runtime /config.json.
// Nothing else in the app reads import.meta.env.
import { z } from 'zod';

/** Placeholders a link template may use; anything else in braces that looks like a name is a mistake. */
export const TEMPLATE_PLACEHOLDERS = ['jaegerUrl', 'grafanaUrl', 'kibanaUrl', 'tripId', 'routeId', 'vehicleId', 'fleetId'] as const;

/** Defaults: OpenStreetMap's tiles (fetched by the browser; `tileUrl: ""` turns them off), Jaeger of the no-cluster
 * lab, a trace search by trip id. */
export const DEFAULT_API_URL = 'http://127.0.0.1:3000';
export const DEFAULT_JAEGER_URL = 'http://127.0.0.1:16686';
export const DEFAULT_TRACE_URL_TEMPLATE = '{jaegerUrl}/search?service=api&tags={"fleetlab.trip.id":"{tripId}"}';
/** OpenStreetMap's standard tile layer and the attribution its tile usage policy asks for. */
export const OSM_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
export const OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const trimmed = z.string().trim();

/** '' (off), an absolute http(s) URL, or a path on this origin such as `/prometheus` (the lab's same-origin proxy). */
const optionalUrlOrPath = trimmed
  .refine((v) => v === '' || v.startsWith('/') || isHttpUrl(v), (v) => ({ message: `must be an http(s) URL or a path from this origin, got "${v}"` }))
  .transform((v) => v.replace(/\/+$/, ''));

/** '' (unset) or an absolute http(s) URL; a trailing slash is dropped so `${url}/path` stays clean. */
const optionalUrl = trimmed
  .refine((v) => v === '' || isHttpUrl(v), (v) => ({ message: `must be an http(s) URL, got "${v}"` }))
  .transform((v) => v.replace(/\/+$/, ''));

/** '' (no tile layer) or a Leaflet tile template with {z}, {x} and {y}, absolute or from this origin. */
const tileTemplate = trimmed.superRefine((v, ctx) => {
  if (v === '') return;
  const missing = ['{z}', '{x}', '{y}'].filter((p) => !v.includes(p));
  if (missing.length > 0) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must contain ${missing.join(', ')}, got "${v}"` });
    return;
  }
  const sample = v.replace(/\{[a-z]+\}/g, '0');
  if (!(v.startsWith('/') || isHttpUrl(sample))) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be an http(s) URL or a path from this origin, got "${v}"` });
  }
});

/** '' (link hidden) or a URL template whose {placeholders} are all known. JSON braces like {"a":1} are left alone. */
const linkTemplate = trimmed.superRefine((v, ctx) => {
  if (v === '') return;
  const unknown = [...v.matchAll(/\{([A-Za-z]+)\}/g)]
    .map((m) => m[1]!)
    .filter((name) => !(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `unknown placeholder ${unknown.map((n) => `{${n}}`).join(', ')}; known: ${TEMPLATE_PLACEHOLDERS.map((n) => `{${n}}`).join(' ')}`,
    });
  }
});

/** Every setting, by its name in /config.json; each is optional here and defaulted in `resolveConfig`. */
export const ConfigShape = {
  apiUrl: optionalUrl,
  tileUrl: tileTemplate,
  tileAttribution: trimmed,
  jaegerUrl: optionalUrl,
  grafanaUrl: optionalUrl,
  kibanaUrl: optionalUrl,
  traceUrlTemplate: linkTemplate,
  dashboardUrlTemplate: linkTemplate,
  logsUrlTemplate: linkTemplate,
  prometheusUrl: optionalUrlOrPath,
  jaegerApiUrl: optionalUrlOrPath,
} as const;

export type ConfigKey = keyof typeof ConfigShape;
export type ConfigOverrides = Partial<Record<ConfigKey, string>>;

/** The build-time variable behind each setting. */
export const ENV_NAMES: Record<ConfigKey, string> = {
  apiUrl: 'VITE_API_URL',
  tileUrl: 'VITE_TILE_URL',
  tileAttribution: 'VITE_TILE_ATTRIBUTION',
  jaegerUrl: 'VITE_JAEGER_URL',
  grafanaUrl: 'VITE_GRAFANA_URL',
  kibanaUrl: 'VITE_KIBANA_URL',
  traceUrlTemplate: 'VITE_TRACE_URL_TEMPLATE',
  dashboardUrlTemplate: 'VITE_DASHBOARD_URL_TEMPLATE',
  logsUrlTemplate: 'VITE_LOGS_URL_TEMPLATE',
  prometheusUrl: 'VITE_PROMETHEUS_URL',
  jaegerApiUrl: 'VITE_JAEGER_API_URL',
};

export interface AppConfig {
  /** Base URL of the api (REST and socket.io), no trailing slash. */
  apiUrl: string;
  /** Leaflet tile URL template; '' means no tile layer, a plain background. */
  tileUrl: string;
  tileAttribution: string;
  jaegerUrl: string;
  grafanaUrl: string;
  kibanaUrl: string;
  traceUrlTemplate: string;
  dashboardUrlTemplate: string;
  logsUrlTemplate: string;
  /** Prometheus' HTTP API for the SLO and alert panel (absolute, no trailing slash); '' hides the panel's data. */
  prometheusUrl: string;
  /** Jaeger's query API (`/api/traces`) for the trace waterfall; '' turns the waterfall off. */
  jaegerApiUrl: string;
}

/** Thrown with every offending setting named, e.g. `VITE_API_URL: must be an http(s) URL, got "ftp://x"`. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`invalid configuration in ${source}: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates a set of settings; `nameOf` says how to name a key in errors (the VITE_ variable, or the config.json
 * field). Absent and unknown keys are ignored, so a newer config.json can carry settings an older app doesn't know.
 */
export function parseOverrides(
  raw: Record<string, unknown>,
  source: string,
  nameOf: (key: ConfigKey) => string,
): ConfigOverrides {
  const out: ConfigOverrides = {};
  const issues: string[] = [];
  for (const key of Object.keys(ConfigShape) as ConfigKey[]) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    const result = ConfigShape[key].safeParse(value);
    if (result.success) out[key] = result.data;
    else issues.push(`${nameOf(key)}: ${result.error.issues.map((i) => i.message).join(', ')}`);
  }
  if (issues.length > 0) throw new ConfigError(source, issues);
  return out;
}

/** Parses build-time variables by their VITE_ names. An empty VITE_API_URL is unset; any other empty value is kept,
 * so `VITE_TRACE_URL_TEMPLATE=` hides the trace link. */
export function parseEnv(env: Record<string, string | undefined>): ConfigOverrides {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ENV_NAMES) as ConfigKey[]) {
    const value = env[ENV_NAMES[key]];
    if (value === undefined || (key === 'apiUrl' && value.trim() === '')) continue;
    raw[key] = value;
  }
  return parseOverrides(raw, 'build-time environment', (key) => ENV_NAMES[key]);
}

/** The VITE_* variables baked in by vite at build time. Listed one by one so vite replaces each statically. */
export function buildTimeEnv(): Record<string, string | undefined> {
  return {
    VITE_API_URL: import.meta.env.VITE_API_URL,
    VITE_TILE_URL: import.meta.env.VITE_TILE_URL,
    VITE_TILE_ATTRIBUTION: import.meta.env.VITE_TILE_ATTRIBUTION,
    VITE_JAEGER_URL: import.meta.env.VITE_JAEGER_URL,
    VITE_GRAFANA_URL: import.meta.env.VITE_GRAFANA_URL,
    VITE_KIBANA_URL: import.meta.env.VITE_KIBANA_URL,
    VITE_TRACE_URL_TEMPLATE: import.meta.env.VITE_TRACE_URL_TEMPLATE,
    VITE_DASHBOARD_URL_TEMPLATE: import.meta.env.VITE_DASHBOARD_URL_TEMPLATE,
    VITE_LOGS_URL_TEMPLATE: import.meta.env.VITE_LOGS_URL_TEMPLATE,
    VITE_PROMETHEUS_URL: import.meta.env.VITE_PROMETHEUS_URL,
    VITE_JAEGER_API_URL: import.meta.env.VITE_JAEGER_API_URL,
  };
}

/**
 * Layers defaults < build-time env < runtime config.json. The api URL: config.json's `apiUrl` ('' = this origin),
 * else VITE_API_URL, else this origin when a config.json was served (the lab and Kubernetes serve one), else
 * http://127.0.0.1:3000 (a dev server next to a local api).
 */
export function resolveConfig(options: {
  env: ConfigOverrides;
  runtime?: ConfigOverrides | undefined;
  origin: string;
}): AppConfig {
  const { env, runtime, origin } = options;
  const pick = (key: ConfigKey, fallback: string): string => runtime?.[key] ?? env[key] ?? fallback;
  const absolute = (v: string): string => (v.startsWith('/') ? `${origin}${v}` : v);
  let apiUrl: string;
  if (runtime && runtime.apiUrl !== undefined) apiUrl = runtime.apiUrl === '' ? origin : runtime.apiUrl;
  else if (env.apiUrl) apiUrl = env.apiUrl;
  else apiUrl = runtime ? origin : DEFAULT_API_URL;
  const tileUrl = pick('tileUrl', OSM_TILE_URL);
  const jaegerUrl = pick('jaegerUrl', DEFAULT_JAEGER_URL);
  return {
    apiUrl: apiUrl.replace(/\/+$/, ''),
    tileUrl,
    // OpenStreetMap's tiles always carry their attribution; other tiles carry what was configured.
    tileAttribution: pick('tileAttribution', tileUrl === OSM_TILE_URL ? OSM_ATTRIBUTION : ''),
    jaegerUrl,
    grafanaUrl: pick('grafanaUrl', ''),
    kibanaUrl: pick('kibanaUrl', ''),
    traceUrlTemplate: pick('traceUrlTemplate', DEFAULT_TRACE_URL_TEMPLATE),
    dashboardUrlTemplate: pick('dashboardUrlTemplate', ''),
    logsUrlTemplate: pick('logsUrlTemplate', ''),
    prometheusUrl: absolute(pick('prometheusUrl', '')),
    jaegerApiUrl: absolute(pick('jaegerApiUrl', jaegerUrl)),
  };
}
