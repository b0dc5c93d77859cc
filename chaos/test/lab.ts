// What the chaos integration tests need from the shared test lab: its driver, its state, and the data check.
import { expect } from 'vitest';
import type { LabStatus } from '@fleetlab/local';
import { LocalDriver } from '../src/drivers/local';
import { api, db, lab, waitFor } from '../../platform/local/test/helpers';

export function driver(): LocalDriver {
  const l = lab();
  return new LocalDriver(l.controlUrl, l.prometheusUrl, l.apiUrl, l.runDir);
}

export async function labStatus(): Promise<LabStatus> {
  return driver().status();
}

/** No fault anywhere: none in the lab's book, every component running, toxiproxy clean, the api's HTTP fault off. */
export async function expectNothingLeft(): Promise<void> {
  const status = await labStatus();
  expect(status.faults).toEqual([]);
  for (const [name, c] of Object.entries(status.components)) expect(`${name} ${c.state}`).toBe(`${name} running`);
  const { toxiproxyUrl, apiFaultsUrl } = lab();
  const proxies = (await (await fetch(`${toxiproxyUrl}/proxies`)).json()) as Record<string, { enabled: boolean; toxics: unknown[] }>;
  for (const [name, p] of Object.entries(proxies)) expect({ name, enabled: p.enabled, toxics: p.toxics }).toEqual({ name, enabled: true, toxics: [] });
  expect(((await (await fetch(`${apiFaultsUrl}/fault`)).json()) as { fault: unknown }).fault).toBeNull();
}

export async function waitForFleetFinished(fleetId: string, timeoutMs = 240_000): Promise<void> {
  await waitFor(`fleet ${fleetId} finished`, async () => {
    const { body } = await api<{ vehicles: number; trips: { finished: number; requested: number; running: number } }>(`/fleets/${fleetId}`);
    return body.trips.finished === body.vehicles ? true : undefined;
  }, timeoutMs, 1_000);
}

/**
 * Every trip of the fleet has exactly its route's points stored: seq 0..n-1, no gap, no duplicate. With
 * `onlyFinished`, trips still running are left out of the check (and returned), for the one fault known to lose
 * running trips (a SIGKILLed simulator, services/simulator/README.md).
 */
export async function expectExactHistories(fleetId: string, onlyFinished = false): Promise<{ positions: number; finished: number; running: number }> {
  const database = await db();
  const all = await database.collection('trips').find({ fleetId }).toArray();
  expect(all.length).toBeGreaterThan(0);
  const trips = all;
  const routeIds = [...new Set(trips.map((t) => t.routeId as string))];
  const routes = await database.collection('routes').find({ _id: { $in: routeIds as never[] } }).toArray();
  const pointsOf = new Map(routes.map((r) => [String(r._id), (r.points as unknown[]).length]));
  const positions = await database
    .collection('trip_positions')
    .find({ tripId: { $in: trips.map((t) => t._id) as never[] } }, { projection: { tripId: 1, seq: 1 } })
    .toArray();
  const seqsByTrip = new Map<string, number[]>();
  for (const p of positions) {
    const list = seqsByTrip.get(p.tripId as string) ?? [];
    list.push(p.seq as number);
    seqsByTrip.set(p.tripId as string, list);
  }
  const problems: string[] = [];
  for (const trip of trips) {
    const expected = pointsOf.get(trip.routeId as string) ?? -1;
    const seqs = (seqsByTrip.get(String(trip._id)) ?? []).sort((a, b) => a - b);
    const gapless = seqs.every((s, i) => s === i);
    // A lost running trip (onlyFinished): what was stored is still a prefix of its route, no gap, no duplicate.
    if (onlyFinished && trip.status === 'running') {
      if (!gapless || seqs.length >= expected) problems.push(`${String(trip._id)} (running): stored seqs not a prefix: ${seqs.length}/${expected}`);
      continue;
    }
    const exact = seqs.length === expected && gapless;
    if (!exact || trip.count !== expected || trip.status !== 'finished') {
      problems.push(`${String(trip._id)}: ${seqs.length}/${expected} stored, count ${trip.count}, ${trip.status}`);
    }
  }
  expect(problems).toEqual([]);
  return { positions: positions.length, finished: all.filter((t) => t.status === 'finished').length, running: all.filter((t) => t.status === 'running').length };
}
