import { describe, expect, it } from 'vitest';
import { totalDuration } from '../lib/profiles.ts';
import { CAPACITY_PACE_MS, checkLocalTarget, parseArgs, UsageError } from './args.ts';

describe('parseArgs', () => {
  it('defaults to a smoke run against the local api', () => {
    const args = parseArgs([]);
    expect(args.profile.name).toBe('smoke');
    expect(args.vehicles).toBe(args.profile.defaultVehicles);
    expect(args.baseUrl).toBe('http://127.0.0.1:3000');
  });

  it('reads --profile, --vehicles and --duration, both spellings, and BASE_URL', () => {
    const args = parseArgs(['--', '--profile', 'average', '--vehicles=2000', '--duration', '60'], { BASE_URL: 'http://localhost:4000/' });
    expect(args.profile.name).toBe('average');
    expect(args.vehicles).toBe(2000);
    expect(totalDuration(args.profile)).toBe(60);
    expect(args.baseUrl).toBe('http://localhost:4000');
  });

  it('refuses what it does not understand', () => {
    expect(() => parseArgs(['--profile', 'huge'])).toThrow(UsageError);
    expect(() => parseArgs(['--vehicles', '0'])).toThrow(/--vehicles/);
    expect(() => parseArgs(['--vehicles', '1.5'])).toThrow(/--vehicles/);
    expect(() => parseArgs(['--frobnicate', '1'])).toThrow(/unknown argument/);
    expect(() => parseArgs(['--profile'])).toThrow(/needs a value/);
    expect(() => parseArgs(['--profile', 'smoke', '--duration', '600'])).toThrow(/max of 60 s/);
  });
});

describe('parseArgs for the capacity profile', () => {
  it('paces vehicles so they stay on the road for the whole run, and takes the read threshold and fleet size', () => {
    const args = parseArgs(['--profile', 'capacity', '--duration', '20', '--reads-p99-ms', '500', '--fleet-vehicles', '10']);
    expect(args.profile.name).toBe('capacity');
    expect(totalDuration(args.profile)).toBe(20);
    expect(args.paceMs).toBe(CAPACITY_PACE_MS);
    expect(args.readsP99Ms).toBe(500);
    expect(args.fleetVehicles).toBe(10);
    expect(parseArgs(['--profile', 'capacity']).readsP99Ms).toBeUndefined();
  });

  it('refuses a pace at which vehicles arrive before the run ends, and flags of the other mode', () => {
    // 240 points × 400 ms = 96 s, shorter than the 120 s profile; fine for a 60 s rehearsal.
    expect(() => parseArgs(['--profile', 'capacity', '--pace-ms', '400'])).toThrow(/cap would not stay full/);
    expect(parseArgs(['--profile', 'capacity', '--pace-ms', '400', '--duration', '60']).paceMs).toBe(400);
    expect(() => parseArgs(['--profile', 'capacity', '--vehicles', '100'])).toThrow(/--vehicles does not go with --profile capacity/);
    expect(() => parseArgs(['--profile', 'smoke', '--reads-p99-ms', '100'])).toThrow(/--reads-p99-ms does not go with --profile smoke/);
    expect(() => parseArgs(['--profile', 'capacity', '--reads-p99-ms', '0'])).toThrow(/--reads-p99-ms/);
  });
});

describe('checkLocalTarget', () => {
  it('accepts 127.0.0.1 and localhost only', () => {
    expect(checkLocalTarget('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
    expect(checkLocalTarget('http://localhost:3000/')).toBe('http://localhost:3000');
    for (const url of ['http://10.0.0.1:3000', 'http://api.fleetlab:3000', 'https://127.0.0.1:3000', 'http://127.0.0.1.nip.io', 'http://0.0.0.0:3000', 'nope']) {
      expect(() => checkLocalTarget(url), url).toThrow(UsageError);
    }
  });
});
