/**
 * Named load profiles, shared by the k6 scenarios and the local driver. Pure TypeScript: no k6 or Node imports, so
 * both runtimes can load it. A stage's `target` is the number of virtual users at the end of the stage (k6's
 * ramping-vus meaning); the driver also scales its vehicles by target / peak, so a spike is a spike of fleets too.
 */
export type ProfileName = 'smoke' | 'average' | 'stress' | 'spike' | 'soak' | 'capacity';

export interface Stage {
  /** Seconds. */
  duration: number;
  /** Virtual users at the end of the stage (linear ramp from the previous target). */
  target: number;
}

export interface LoadProfile {
  name: ProfileName;
  description: string;
  /** Virtual users at t = 0. */
  startTarget: number;
  stages: readonly Stage[];
  /** Hard stop: a run of this profile never lasts longer, whatever the stages or a --duration say. Seconds. */
  maxDurationSec: number;
  /** Vehicles the driver puts on the road at the peak when --vehicles is not given. */
  defaultVehicles: number;
}

export const profiles: Readonly<Record<ProfileName, LoadProfile>> = {
  smoke: {
    name: 'smoke',
    description: 'one user, a few vehicles: does the system work at all under the scripts?',
    startTarget: 1,
    stages: [{ duration: 30, target: 1 }],
    maxDurationSec: 60,
    defaultVehicles: 10,
  },
  average: {
    name: 'average',
    description: 'a normal training day: ramp up, hold, ramp down',
    startTarget: 0,
    stages: [
      { duration: 30, target: 10 },
      { duration: 120, target: 10 },
      { duration: 30, target: 0 },
    ],
    maxDurationSec: 240,
    defaultVehicles: 500,
  },
  stress: {
    name: 'stress',
    description: 'well above average, held: where do the SLOs start to burn?',
    startTarget: 0,
    stages: [
      { duration: 60, target: 30 },
      { duration: 180, target: 30 },
      { duration: 60, target: 0 },
    ],
    maxDurationSec: 360,
    defaultVehicles: 2000,
  },
  spike: {
    name: 'spike',
    description: 'quiet, then a sudden surge, then quiet again: does the system recover?',
    startTarget: 2,
    stages: [
      { duration: 10, target: 2 },
      { duration: 10, target: 50 },
      { duration: 30, target: 50 },
      { duration: 10, target: 2 },
      { duration: 20, target: 2 },
    ],
    maxDurationSec: 120,
    defaultVehicles: 2000,
  },
  soak: {
    name: 'soak',
    description: 'average load for a long time: leaks, lag that grows, disks that fill',
    startTarget: 0,
    stages: [
      { duration: 60, target: 10 },
      { duration: 1800, target: 10 },
      { duration: 60, target: 0 },
    ],
    maxDurationSec: 2040,
    defaultVehicles: 500,
  },
  capacity: {
    name: 'capacity',
    description: "the api's cap on vehicles filled with the largest fleets it allows, refused beyond it, every read timed meanwhile",
    startTarget: 4,
    stages: [{ duration: 120, target: 4 }],
    maxDurationSec: 180,
    // The api's default API_MAX_VEHICLES_ON_ROAD; the driver asks the api for its own (GET /fleets/limits).
    defaultVehicles: 20_000,
  },
};

export const profileNames: readonly ProfileName[] = Object.freeze(Object.keys(profiles) as ProfileName[]);

export function isProfileName(name: string): name is ProfileName {
  return (profileNames as readonly string[]).includes(name);
}

export function getProfile(name: string): LoadProfile {
  if (!isProfileName(name)) throw new Error(`unknown profile "${name}": one of ${profileNames.join(', ')}`);
  return profiles[name];
}

export function totalDuration(profile: LoadProfile): number {
  return profile.stages.reduce((sum, s) => sum + s.duration, 0);
}

export function peakTarget(profile: LoadProfile): number {
  return Math.max(profile.startTarget, ...profile.stages.map((s) => s.target));
}

/**
 * The same shape squeezed or stretched to `seconds` (a short rehearsal of a long profile), never beyond the profile's
 * max duration. Stage lengths are rounded to whole seconds and kept ≥ 1.
 */
export function scaleProfile(profile: LoadProfile, seconds: number): LoadProfile {
  if (!(seconds > 0)) throw new Error(`duration must be > 0 seconds, got ${seconds}`);
  const wanted = Math.min(seconds, profile.maxDurationSec);
  const factor = wanted / totalDuration(profile);
  return { ...profile, stages: profile.stages.map((s) => ({ ...s, duration: Math.max(1, Math.round(s.duration * factor)) })) };
}

/** Virtual users wanted at second `t` of the run: linear within a stage, 0 after the end. */
export function targetAt(profile: LoadProfile, t: number): number {
  let from = profile.startTarget;
  let start = 0;
  for (const stage of profile.stages) {
    if (t < start + stage.duration) {
      const progress = stage.duration === 0 ? 1 : (t - start) / stage.duration;
      return from + (stage.target - from) * Math.max(0, progress);
    }
    from = stage.target;
    start += stage.duration;
  }
  return 0;
}

/** k6 `ramping-vus` scenario for a profile (plain object, so this module stays free of k6 imports). */
export function k6RampingVus(profile: LoadProfile, exec = 'default'): {
  executor: 'ramping-vus';
  exec: string;
  startVUs: number;
  stages: { duration: string; target: number }[];
  gracefulRampDown: string;
  gracefulStop: string;
} {
  return {
    executor: 'ramping-vus',
    exec,
    startVUs: profile.startTarget,
    stages: profile.stages.map((s) => ({ duration: `${s.duration}s`, target: s.target })),
    gracefulRampDown: '10s',
    gracefulStop: '30s',
  };
}
