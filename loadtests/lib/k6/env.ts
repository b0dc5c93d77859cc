/**
 * What every k6 scenario shares: target, profile and SLOs from the environment, traced request parameters, and the
 * health gate of setup(). k6-only (imports k6 modules); the pure pieces live one folder up.
 */
import http, { type RefinedParams, type ResponseType } from 'k6/http';
import crypto from 'k6/crypto';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { getProfile, k6RampingVus, scaleProfile, type LoadProfile } from '../profiles.ts';
import { k6Thresholds, parseSlo, SLO_FILE, type LoadedSlo } from '../slo.ts';
import { TRACEPARENT, traceparent } from '../trace.ts';

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');

/** PROFILE (default smoke), optionally squeezed to DURATION seconds for a rehearsal. */
export function selectedProfile(): LoadProfile {
  const profile = getProfile(__ENV.PROFILE || 'smoke');
  return __ENV.DURATION ? scaleProfile(profile, Number(__ENV.DURATION)) : profile;
}

/**
 * open() works only in the init context and throws when the file is missing. import.meta.resolve makes the path
 * relative to this module, whatever folder k6 was started from. SLO_FILE overrides it.
 */
function loadSlo(): LoadedSlo {
  const path = __ENV.SLO_FILE || import.meta.resolve(`../../../${SLO_FILE}`);
  let text: string | undefined;
  try {
    text = open(path);
  } catch {
    text = undefined;
  }
  return parseSlo(text, __ENV.SLO_FILE || SLO_FILE);
}

export const SLO = loadSlo();

/** Options of a scenario: the selected profile as a ramping-vus scenario, the SLOs as thresholds. */
export function scenarioOptions(name: string, opts: { freshness?: boolean } = {}): Options {
  const profile = selectedProfile();
  return {
    scenarios: { [name]: k6RampingVus(profile) },
    thresholds: k6Thresholds(SLO.slo, opts),
    // The profile's max duration bounds the run even if an iteration hangs.
    setupTimeout: '60s',
    teardownTimeout: '60s',
    tags: { profile: profile.name },
  };
}

function randomBytes(n: number): Uint8Array {
  return new Uint8Array(crypto.randomBytes(n));
}

/**
 * Request parameters with a fresh sampled `traceparent` (so the request is traced end to end) and a `name` tag that
 * groups URLs with ids under one template, like the api's own `route` label.
 */
export function traced(name: string, extra: Omit<RefinedParams<ResponseType>, 'headers' | 'tags'> = {}): RefinedParams<ResponseType> {
  return {
    ...extra,
    headers: { 'Content-Type': 'application/json', [TRACEPARENT]: traceparent(randomBytes) },
    tags: { name },
  };
}

/** setup() gate: a target that is not ready is refused with the reason, before any load is sent. */
export function requireReady(): void {
  console.log(`target ${BASE_URL}; SLOs from ${SLO.source}: ${JSON.stringify(SLO.slo)}`);
  const res = http.get(`${BASE_URL}/readyz`, traced('GET /readyz', { responseCallback: http.expectedStatuses(200, 503) }));
  if (res.status !== 200) {
    exec.test.abort(`refusing ${BASE_URL}: GET /readyz answered ${res.status || res.error} ${String(res.body ?? '').slice(0, 200)}`);
  }
}

export function json<T>(body: unknown): T | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body) as T;
  } catch {
    return undefined;
  }
}
