/**
 * The SLOs a load run is judged by, in one place for the k6 scenarios and the local driver. The numbers come from
 * dashboards/generated/slo-thresholds.json when that file exists (generated with the SLO rules), else from DEFAULT_SLO.
 * Pure: the caller reads the file (k6 with open(), Node with fs) and hands the text over.
 */
export interface Slo {
  /** API latency: 99th percentile of request duration, milliseconds. */
  apiLatencyP99Ms: number;
  /** API errors: failed requests / all requests, 0–1. */
  errorRate: number;
  /** Position freshness: 99th percentile of delivery time − event time (`ts`), milliseconds. */
  freshnessP99Ms: number;
}

export interface LoadedSlo {
  slo: Slo;
  /** Where the numbers came from: the file, or the defaults and why. */
  source: string;
  usedDefaults: boolean;
}

/** The fallback SLOs: the only place these numbers are written down for load tests. */
export const DEFAULT_SLO: Readonly<Slo> = { apiLatencyP99Ms: 250, errorRate: 0.005, freshnessP99Ms: 1000 };

/**
 * The custom k6 Trend of end-to-end position freshness, in milliseconds: the name the generated thresholds file uses,
 * so its threshold applies to the scenario's metric as is.
 */
export const FRESHNESS_METRIC = 'freshness_ms';

/** Path of the generated thresholds file, relative to the repository root. */
export const SLO_FILE = 'dashboards/generated/slo-thresholds.json';

type Json = Record<string, unknown>;

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The first usable number among several spellings; seconds are turned into milliseconds. */
function pick(obj: Json, msKeys: string[], secondKeys: string[] = []): number | undefined {
  for (const k of msKeys) if (num(obj[k]) !== undefined) return num(obj[k]);
  for (const k of secondKeys) if (num(obj[k]) !== undefined) return num(obj[k])! * 1000;
  return undefined;
}

function section(root: Json, names: string[]): Json {
  for (const n of names) {
    const v = root[n];
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
  }
  return {};
}

/** The number N of a k6 threshold expression like "p(99)<250" or "rate<0.005" in an array of them. */
function fromK6(value: unknown, aggregation: string): number | undefined {
  if (!Array.isArray(value)) return undefined;
  const pattern = new RegExp(`^\\s*${aggregation.replace(/[()]/g, '\\$&')}\\s*<=?\\s*([0-9.eE+-]+)\\s*$`);
  for (const expr of value) {
    const text = typeof expr === 'string' ? expr : (expr as { threshold?: unknown } | null)?.threshold;
    const m = typeof text === 'string' ? pattern.exec(text) : null;
    if (m && num(Number(m[1])) !== undefined) return Number(m[1]);
  }
  return undefined;
}

/** An entry of the `slos` list ({id, objective, threshold_ms}) by id. */
function sloEntry(root: Json, id: string): Json {
  const list = Array.isArray(root.slos) ? (root.slos as unknown[]) : [];
  const hit = list.find((e) => e && typeof e === 'object' && (e as Json).id === id);
  return (hit as Json | undefined) ?? {};
}

/**
 * Parses the generated file. Its shape is owned by the dashboards (dashboards/src/generate.ts); as generated it holds
 * k6 threshold arrays (`http_req_duration: ["p(99)<250"]`, `http_req_failed: ["rate<0.005"]`,
 * `freshness_ms: ["p(99)<1000"]`), plain numbers (`freshness_p99_ms`) and a `slos` list (`{id, objective,
 * threshold_ms}`). Each SLO is taken from the first of those that has it, else from flat or per-SLI keys
 * (`apiLatencyP99Ms`, `errorRate`, `freshnessP99Ms`, `api.p99Ms`, …), else from DEFAULT_SLO, and the source says so.
 */
export function parseSlo(text: string | undefined, origin = SLO_FILE): LoadedSlo {
  if (text === undefined) {
    return { slo: { ...DEFAULT_SLO }, source: `defaults (${origin} not found)`, usedDefaults: true };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { slo: { ...DEFAULT_SLO }, source: `defaults (${origin} is not JSON: ${(error as Error).message})`, usedDefaults: true };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { slo: { ...DEFAULT_SLO }, source: `defaults (${origin} is not a JSON object)`, usedDefaults: true };
  }
  let root = parsed as Json;
  if (root.thresholds && typeof root.thresholds === 'object' && !Array.isArray(root.thresholds)) root = root.thresholds as Json;
  const api = section(root, ['api', 'apiLatency', 'api_latency']);
  const fresh = section(root, ['freshness', 'positionFreshness', 'position_freshness']);
  const latencyEntry = sloEntry(root, 'api-latency');
  const availabilityEntry = sloEntry(root, 'api-availability');
  const freshnessEntry = sloEntry(root, 'position-freshness');
  const availability = num(availabilityEntry.objective);
  const found: Partial<Slo> = {
    apiLatencyP99Ms:
      fromK6(root.http_req_duration, 'p(99)') ??
      pick(root, ['apiLatencyP99Ms', 'api_latency_p99_ms'], ['apiLatencyP99Seconds', 'api_latency_p99_seconds']) ??
      num(latencyEntry.threshold_ms) ??
      pick(api, ['latencyP99Ms', 'p99Ms', 'p99_ms'], ['latencyP99Seconds', 'p99Seconds', 'p99_seconds']),
    errorRate:
      fromK6(root.http_req_failed, 'rate') ??
      num(root.errorRate) ??
      num(root.error_rate) ??
      (availability !== undefined && availability <= 1 ? Math.round((1 - availability) * 1e9) / 1e9 : undefined) ??
      num(api.errorRate) ??
      num(api.error_rate),
    freshnessP99Ms:
      fromK6(root[FRESHNESS_METRIC], 'p(99)') ??
      pick(root, ['freshness_p99_ms', 'freshnessP99Ms'], ['freshnessP99Seconds', 'freshness_p99_seconds']) ??
      num(freshnessEntry.threshold_ms) ??
      pick(fresh, ['p99Ms', 'p99_ms'], ['p99Seconds', 'p99_seconds']),
  };
  const missing = (Object.keys(DEFAULT_SLO) as (keyof Slo)[]).filter((k) => found[k] === undefined);
  const slo: Slo = {
    apiLatencyP99Ms: found.apiLatencyP99Ms ?? DEFAULT_SLO.apiLatencyP99Ms,
    errorRate: found.errorRate ?? DEFAULT_SLO.errorRate,
    freshnessP99Ms: found.freshnessP99Ms ?? DEFAULT_SLO.freshnessP99Ms,
  };
  return {
    slo,
    source: missing.length === 0 ? origin : `${origin}, defaults for ${missing.join(', ')}`,
    usedDefaults: missing.length > 0,
  };
}

/** The SLOs as k6 thresholds (metric names are k6's built-ins plus our freshness Trend). */
export function k6Thresholds(slo: Slo, opts: { freshness?: boolean } = {}): Record<string, string[]> {
  const thresholds: Record<string, string[]> = {
    http_req_duration: [`p(99)<${slo.apiLatencyP99Ms}`],
    http_req_failed: [`rate<${slo.errorRate}`],
  };
  if (opts.freshness) thresholds[FRESHNESS_METRIC] = [`p(99)<${slo.freshnessP99Ms}`];
  return thresholds;
}

export interface Measured {
  apiRequests: number;
  apiErrors: number;
  apiLatencyP99Ms: number | undefined;
  positions: number;
  freshnessP99Ms: number | undefined;
}

export interface SloCheck {
  /** 'api latency p99', 'api error rate', 'freshness p99'; the capacity profile has checks of its own. */
  name: string;
  objective: string;
  observed: string;
  ok: boolean;
}

/**
 * Judges a run against the SLOs. A run without a single API request or position fails the matching check: "nothing
 * measured" must never read as a pass.
 */
export function evaluateSlo(m: Measured, slo: Slo): { ok: boolean; checks: SloCheck[] } {
  const rate = m.apiRequests > 0 ? m.apiErrors / m.apiRequests : undefined;
  const checks: SloCheck[] = [
    {
      name: 'api latency p99',
      objective: `< ${slo.apiLatencyP99Ms} ms`,
      observed: m.apiLatencyP99Ms === undefined ? 'no requests' : `${round(m.apiLatencyP99Ms)} ms`,
      ok: m.apiLatencyP99Ms !== undefined && m.apiLatencyP99Ms < slo.apiLatencyP99Ms,
    },
    {
      name: 'api error rate',
      objective: `< ${round(slo.errorRate * 100, 3)} %`,
      observed: rate === undefined ? 'no requests' : `${round(rate * 100, 3)} % (${m.apiErrors}/${m.apiRequests})`,
      ok: rate !== undefined && rate < slo.errorRate,
    },
    {
      name: 'freshness p99',
      objective: `< ${slo.freshnessP99Ms} ms`,
      observed: m.freshnessP99Ms === undefined || m.positions === 0 ? 'no positions' : `${round(m.freshnessP99Ms)} ms`,
      ok: m.positions > 0 && m.freshnessP99Ms !== undefined && m.freshnessP99Ms < slo.freshnessP99Ms,
    },
  ];
  return { ok: checks.every((c) => c.ok), checks };
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
