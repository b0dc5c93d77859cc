/** Command line of the local driver, parsed and checked before anything touches the network. Pure. */
import { getProfile, profileNames, scaleProfile, totalDuration, type LoadProfile } from '../lib/profiles.ts';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:3000';
/** The driver loads a local lab only: it creates thousands of vehicles and must never be pointed at a shared target. */
export const ALLOWED_HOSTS = ['127.0.0.1', 'localhost'];
export const MAX_VEHICLES = 100_000;

export interface DriverArgs {
  profile: LoadProfile;
  vehicles: number;
  baseUrl: string;
  /** Pace the fleets' vehicles move at (ms per point); undefined: the api's default. */
  paceMs: number | undefined;
  outDir: string | undefined;
  sloFile: string | undefined;
  help: boolean;
}

export const USAGE = `usage: npm run load -- [--profile ${profileNames.join('|')}] [--vehicles N] [--duration SECONDS]
                     [--base-url http://127.0.0.1:3000] [--pace-ms MS] [--out DIR] [--slo-file PATH]
  --profile   load profile (default smoke)
  --vehicles  vehicles on the road at the peak (default: the profile's)
  --duration  squeeze or stretch the profile to this many seconds (never beyond its max duration)
  --base-url  the local lab's api (default BASE_URL or ${DEFAULT_BASE_URL}); only 127.0.0.1 or localhost
  --pace-ms   ms per route point for the fleets (default: the api's)
  --out       where the JSON result goes (default loadtests/results)
  --slo-file  SLO thresholds JSON (default dashboards/generated/slo-thresholds.json)`;

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
  const known = ['profile', 'vehicles', 'duration', 'base-url', 'pace-ms', 'out', 'slo-file'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
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
  return {
    profile,
    vehicles: values.has('vehicles') ? positiveInt('--vehicles', values.get('vehicles'), MAX_VEHICLES) : profile.defaultVehicles,
    baseUrl: checkLocalTarget(values.get('base-url') ?? env.BASE_URL ?? DEFAULT_BASE_URL),
    paceMs: values.has('pace-ms') ? positiveInt('--pace-ms', values.get('pace-ms'), 60_000) : undefined,
    outDir: values.get('out'),
    sloFile: values.get('slo-file'),
    help,
  };
}
