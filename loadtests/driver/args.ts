/** Command line of the local driver, parsed and checked before anything touches the network. Pure. */
import { getProfile, profileNames, scaleProfile, totalDuration, type LoadProfile } from '../lib/profiles.ts';
import { ROUTE_POINTS } from '../lib/routes.ts';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:3000';
/** The driver loads a local lab only: it creates thousands of vehicles and must never be pointed at a shared target. */
export const ALLOWED_HOSTS = ['127.0.0.1', 'localhost'];
export const MAX_VEHICLES = 100_000;
/**
 * The capacity profile's pace when --pace-ms is not given: 240 points at 1 s keep every vehicle on the road (and in
 * the api's count) for 4 minutes, longer than the profile's hard stop, so the road stays full for the whole run.
 */
export const CAPACITY_PACE_MS = 1000;

export interface DriverArgs {
  profile: LoadProfile;
  vehicles: number;
  baseUrl: string;
  /** Pace the fleets' vehicles move at (ms per point); undefined: the api's default. */
  paceMs: number | undefined;
  outDir: string | undefined;
  sloFile: string | undefined;
  /** Capacity: the p99 every read endpoint is held to, ms; undefined: the API latency SLO's. */
  readsP99Ms: number | undefined;
  /** Capacity: vehicles per fleet; undefined: the largest fleet the api takes. */
  fleetVehicles: number | undefined;
  help: boolean;
}

export const USAGE = `usage: npm run load -- [--profile ${profileNames.join('|')}] [--vehicles N] [--duration SECONDS]
                     [--base-url http://127.0.0.1:3000] [--pace-ms MS] [--out DIR] [--slo-file PATH]
                     [--reads-p99-ms MS] [--fleet-vehicles N]
  --profile   load profile (default smoke)
  --vehicles  vehicles on the road at the peak (default: the profile's)
  --duration  squeeze or stretch the profile to this many seconds (never beyond its max duration)
  --base-url  the local lab's api (default BASE_URL or ${DEFAULT_BASE_URL}); only 127.0.0.1 or localhost
  --pace-ms   ms per route point for the fleets (default: the api's)
  --out       where the JSON result goes (default loadtests/results)
  --slo-file  SLO thresholds JSON (default dashboards/generated/slo-thresholds.json)
profile capacity: fills the api's cap on vehicles (GET /fleets/limits) with the largest fleets it takes, expects 429
with Retry-After beyond it, and times every read endpoint meanwhile (--vehicles does not apply: the api's cap does)
  --reads-p99-ms    the p99 each read endpoint is held to (default: the API latency SLO's, 250 ms)
  --fleet-vehicles  vehicles per fleet when filling the cap (default: the largest fleet the api takes)
  --pace-ms         default ${CAPACITY_PACE_MS}; vehicles must stay on the road for the whole run`;

export class UsageError extends Error {}

function positiveInt(flag: string, value: string | undefined, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`${flag} wants a whole number from 1 to ${max}, got ${value ?? 'nothing'}`);
  }
  return n;
}

/** Refuses anything but plain http on 127.0.0.1 or localhost. Returns the URL without a trailing slash. */
export function checkLocalTarget(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:') throw new UsageError(`refusing ${raw}: the driver speaks plain http to a local lab only`);
  if (!ALLOWED_HOSTS.includes(url.hostname)) {
    throw new UsageError(`refusing ${raw}: the driver only loads a lab on ${ALLOWED_HOSTS.join(' or ')} (use k6 for anything else)`);
  }
  if (url.username || url.password || url.search || url.hash) throw new UsageError(`refusing ${raw}: give only scheme, host, port and path`);
  return url.toString().replace(/\/+$/, '');
}

export function parseArgs(argv: readonly string[], env: { BASE_URL?: string | undefined } = {}): DriverArgs {
  const values = new Map<string, string>();
  let help = false;
  const known = ['profile', 'vehicles', 'duration', 'base-url', 'pace-ms', 'out', 'slo-file', 'reads-p99-ms', 'fleet-vehicles'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m || !known.includes(m[1]!)) throw new UsageError(`unknown argument ${arg}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${m[1]} needs a value`);
    values.set(m[1]!, value);
  }
  let profile: LoadProfile;
  try {
    profile = getProfile(values.get('profile') ?? 'smoke');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.has('duration')) {
    const seconds = positiveInt('--duration', values.get('duration'), 24 * 3600);
    if (seconds > profile.maxDurationSec) {
      throw new UsageError(`--duration ${seconds} is beyond the ${profile.name} profile's max of ${profile.maxDurationSec} s`);
    }
    profile = scaleProfile(profile, seconds);
  }
  if (totalDuration(profile) > profile.maxDurationSec) throw new Error(`profile ${profile.name} is longer than its max duration`);
  const capacity = profile.name === 'capacity';
  for (const flag of capacity ? ['vehicles'] : ['reads-p99-ms', 'fleet-vehicles']) {
    if (values.has(flag)) throw new UsageError(`--${flag} does not go with --profile ${profile.name}`);
  }
  const paceMs = values.has('pace-ms') ? positiveInt('--pace-ms', values.get('pace-ms'), 60_000) : capacity ? CAPACITY_PACE_MS : undefined;
  if (capacity && paceMs !== undefined && paceMs * ROUTE_POINTS < totalDuration(profile) * 1000) {
    // A vehicle that arrives leaves the api's count: the road would have room again and a refusal could not be expected.
    throw new UsageError(`--pace-ms ${paceMs}: ${ROUTE_POINTS} points take ${(paceMs * ROUTE_POINTS) / 1000} s, shorter than the ${totalDuration(profile)} s run; the cap would not stay full`);
  }
  return {
    profile,
    vehicles: values.has('vehicles') ? positiveInt('--vehicles', values.get('vehicles'), MAX_VEHICLES) : profile.defaultVehicles,
    baseUrl: checkLocalTarget(values.get('base-url') ?? env.BASE_URL ?? DEFAULT_BASE_URL),
    paceMs,
    outDir: values.get('out'),
    sloFile: values.get('slo-file'),
    readsP99Ms: values.has('reads-p99-ms') ? positiveInt('--reads-p99-ms', values.get('reads-p99-ms'), 600_000) : undefined,
    fleetVehicles: values.has('fleet-vehicles') ? positiveInt('--fleet-vehicles', values.get('fleet-vehicles'), MAX_VEHICLES) : undefined,
    help,
  };
}
