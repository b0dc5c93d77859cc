/**
 * Profile → schedule for the local driver: how many virtual users and vehicles each second of a run wants, and which
 * fleets to create or cancel to get there. Pure, so the plan is unit-tested without a lab.
 */
import { peakTarget, targetAt, totalDuration, type LoadProfile } from './profiles.ts';

export interface ScheduleStep {
  /** Seconds since the start of the run. */
  t: number;
  /** API virtual users wanted (whole users). */
  vus: number;
  /** Vehicles wanted on the road. */
  vehicles: number;
}

/** One step per `tickSec` from 0 to the end of the profile (the last step wants nothing). */
export function buildSchedule(profile: LoadProfile, peakVehicles: number, tickSec = 1): ScheduleStep[] {
  if (!(tickSec > 0)) throw new Error('tick must be > 0');
  const peak = peakTarget(profile);
  const end = totalDuration(profile);
  const steps: ScheduleStep[] = [];
  for (let t = 0; t < end; t += tickSec) {
    const target = targetAt(profile, t);
    steps.push({
      t,
      vus: Math.round(target),
      // A profile with a zero peak has no shape to follow: keep the vehicles flat.
      vehicles: peak === 0 ? peakVehicles : Math.round((peakVehicles * target) / peak),
    });
  }
  steps.push({ t: end, vus: 0, vehicles: 0 });
  return steps;
}

export type FleetAction = { kind: 'create'; vehicles: number } | { kind: 'cancel'; index: number };

/**
 * What to do so the fleets on the road (`active`, sizes in creation order) come close to `wanted` vehicles. Fleets
 * are created in chunks of at most `chunk` vehicles (a ramp becomes a few fleets, not one per second) and cancelled
 * newest first, only while a whole fleet is surplus, so the road never holds fewer vehicles than wanted. At the
 * `peak` the remainder below one chunk is created too.
 */
export function planFleets(active: readonly number[], wanted: number, chunk: number, peak: number): FleetAction[] {
  if (!(chunk >= 1)) throw new Error('chunk must be ≥ 1');
  const actions: FleetAction[] = [];
  let onRoad = active.reduce((a, b) => a + b, 0);
  for (let i = active.length - 1; i >= 0 && onRoad - active[i]! >= wanted; i--) {
    actions.push({ kind: 'cancel', index: i });
    onRoad -= active[i]!;
  }
  if (actions.length > 0) return actions;
  let missing = wanted - onRoad;
  // Wait for a whole chunk on the way up, except for what is left below one chunk at the top.
  while (missing >= chunk) {
    actions.push({ kind: 'create', vehicles: chunk });
    missing -= chunk;
  }
  if (missing > 0 && wanted >= peak) actions.push({ kind: 'create', vehicles: missing });
  return actions;
}

/** Fleet size for a peak: about ten fleets on the way up, never more than the api takes in one fleet. */
export function fleetChunk(peakVehicles: number, maxPerFleet = 20_000): number {
  return Math.max(1, Math.min(maxPerFleet, Math.ceil(peakVehicles / 10)));
}
