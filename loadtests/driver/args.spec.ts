import { describe, expect, it } from 'vitest';
import { totalDuration } from '../lib/profiles.ts';
import { checkLocalTarget, parseArgs, UsageError } from './args.ts';

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

describe('checkLocalTarget', () => {
  it('accepts 127.0.0.1 and localhost only', () => {
    expect(checkLocalTarget('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
    expect(checkLocalTarget('http://localhost:3000/')).toBe('http://localhost:3000');
    for (const url of ['http://10.0.0.1:3000', 'http://api.fleetlab:3000', 'https://127.0.0.1:3000', 'http://127.0.0.1.nip.io', 'http://0.0.0.0:3000', 'nope']) {
      expect(() => checkLocalTarget(url), url).toThrow(UsageError);
    }
  });
});
