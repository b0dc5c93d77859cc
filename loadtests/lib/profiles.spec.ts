import { describe, expect, it } from 'vitest';
import { getProfile, k6RampingVus, peakTarget, profileNames, profiles, scaleProfile, targetAt, totalDuration } from './profiles.ts';

describe('load profiles', () => {
  it('names the five profiles of the house style, and capacity', () => {
    expect([...profileNames].sort()).toEqual(['average', 'capacity', 'smoke', 'soak', 'spike', 'stress']);
  });

  it.each(profileNames)('%s fits in its max duration and has a peak', (name) => {
    const p = profiles[name];
    expect(totalDuration(p)).toBeLessThanOrEqual(p.maxDurationSec);
    expect(peakTarget(p)).toBeGreaterThan(0);
  });

  it('refuses an unknown profile, naming the known ones', () => {
    expect(() => getProfile('huge')).toThrow(/smoke, average, stress, spike, soak, capacity/);
  });

  it('ramps linearly within a stage and wants nobody after the end', () => {
    const p = profiles.average;
    expect(targetAt(p, 0)).toBe(0);
    expect(targetAt(p, 15)).toBe(5);
    expect(targetAt(p, 100)).toBe(10);
    expect(targetAt(p, 165)).toBe(5);
    expect(targetAt(p, totalDuration(p))).toBe(0);
  });

  it('spikes from 2 to 50 users within 10 s', () => {
    expect(targetAt(profiles.spike, 5)).toBe(2);
    expect(targetAt(profiles.spike, 15)).toBe(26);
    expect(targetAt(profiles.spike, 25)).toBe(50);
  });

  it('scales a profile to a rehearsal length, keeping its shape and never beyond the max', () => {
    const short = scaleProfile(profiles.average, 60);
    expect(short.stages.map((s) => s.duration)).toEqual([10, 40, 10]);
    expect(short.stages.map((s) => s.target)).toEqual([10, 10, 0]);
    expect(totalDuration(scaleProfile(profiles.smoke, 10_000))).toBeLessThanOrEqual(profiles.smoke.maxDurationSec);
  });

  it('becomes a k6 ramping-vus scenario', () => {
    expect(k6RampingVus(profiles.smoke)).toMatchObject({
      executor: 'ramping-vus',
      startVUs: 1,
      stages: [{ duration: '30s', target: 1 }],
    });
  });
});
