import { describe, expect, it } from 'vitest';
import { profiles, scaleProfile, totalDuration } from './profiles.ts';
import { buildSchedule, fleetChunk, planFleets } from './schedule.ts';

describe('buildSchedule', () => {
  it('follows the profile second by second and ends with nothing on the road', () => {
    const steps = buildSchedule(scaleProfile(profiles.average, 60), 1000);
    expect(steps).toHaveLength(61);
    expect(steps[0]).toEqual({ t: 0, vus: 0, vehicles: 0 });
    expect(steps[5]).toEqual({ t: 5, vus: 5, vehicles: 500 });
    expect(steps[30]).toEqual({ t: 30, vus: 10, vehicles: 1000 });
    expect(steps.at(-1)).toEqual({ t: 60, vus: 0, vehicles: 0 });
  });

  it('keeps smoke flat at its peak', () => {
    const steps = buildSchedule(profiles.smoke, 10);
    expect(steps.slice(0, -1).every((s) => s.vus === 1 && s.vehicles === 10)).toBe(true);
    expect(steps.at(-1)!.t).toBe(totalDuration(profiles.smoke));
  });
});

describe('planFleets', () => {
  it('creates whole chunks on the way up and waits for a whole chunk', () => {
    expect(planFleets([], 250, 100, 1000)).toEqual([
      { kind: 'create', vehicles: 100 },
      { kind: 'create', vehicles: 100 },
    ]);
    expect(planFleets([100, 100], 250, 100, 1000)).toEqual([]);
  });

  it('tops up the remainder at the peak', () => {
    expect(planFleets([100, 100], 250, 100, 250)).toEqual([{ kind: 'create', vehicles: 50 }]);
    expect(planFleets([100, 100, 50], 250, 100, 250)).toEqual([]);
  });

  it('cancels newest first while a whole fleet is surplus', () => {
    expect(planFleets([100, 100, 100], 150, 100, 300)).toEqual([{ kind: 'cancel', index: 2 }]);
    expect(planFleets([100, 100, 100], 0, 100, 300)).toEqual([
      { kind: 'cancel', index: 2 },
      { kind: 'cancel', index: 1 },
      { kind: 'cancel', index: 0 },
    ]);
  });

  it('sizes chunks for about ten fleets, within what one fleet may hold', () => {
    expect(fleetChunk(2000)).toBe(200);
    expect(fleetChunk(5)).toBe(1);
    expect(fleetChunk(1_000_000)).toBe(20_000);
  });
});
