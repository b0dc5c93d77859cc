// The fault suite: a small fleet through each fault the lab's fault layer injects (the chaos local driver's
// mechanisms: the supervisor's SIGKILL and restart, outages, toxiproxy), then the guarantees of docs/reliability.md:
// every trip finishes (a crashed simulator's trips are replayed), every history is exact (seq 0..n-1, no gap, no
// duplicate), nothing valid is dead-lettered, every process is up and ready, no fault is left.
//
// Lab time: each case is one fleet of 8 trips of 40 points at 250 ms (10 s a trip) plus its fault and recovery,
// 30-60 s; the whole file takes 3.5-4.5 minutes on 2 shared cores, plus the lab's start (docs/reliability.md).
import { afterAll, describe, expect, it } from 'vitest';
import { Topics, dlqTopic } from '@fleetlab/contracts';
import type { FaultRequest, LabStatus } from '../src/control-protocol';
import { allReady, api, closeDb, expectExactHistories, lab, readWholeTopic, waitFor, waitForFleetFinished, type FleetProgress } from './helpers';

afterAll(closeDb);

const VEHICLES = 8;
const POINTS = 40;

interface Case {
  name: string;
  fault: Omit<FaultRequest, 'id' | 'expiresAt'>;
  /** How long the fault stays before it is reverted (a kill: how long before the test waits for the restart). */
  holdMs: number;
}

const cases: Case[] = [
  { name: 'SIGKILL of the consumer', fault: { kind: 'kill', components: ['consumer'], params: {} }, holdMs: 2_000 },
  { name: 'SIGKILL of the simulator', fault: { kind: 'kill', components: ['simulator'], params: {} }, holdMs: 2_000 },
  { name: 'SIGKILL of the api', fault: { kind: 'kill', components: ['api'], params: {} }, holdMs: 2_000 },
  { name: 'broker killed and restarted', fault: { kind: 'kill', components: ['kafka'], params: {} }, holdMs: 2_000 },
  { name: 'database killed and restarted', fault: { kind: 'kill', components: ['database'], params: {} }, holdMs: 2_000 },
  // What the database-outage experiment does: FerretDB stopped 30 s behind the services' toxiproxy links.
  { name: 'database outage of 30 s', fault: { kind: 'outage', components: ['database'], params: {} }, holdMs: 30_000 },
  {
    name: 'network partition between the consumer and the database',
    fault: { kind: 'network', components: ['consumer'], params: { to: 'database', toxic: { type: 'partition' } } },
    holdMs: 20_000,
  },
];

async function control<T>(path: string, method: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${lab().controlUrl}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(180_000),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function startFleet(seed: number): Promise<string> {
  const { status, body } = await api<{ fleetId: string }>('/fleets', { body: { vehicles: VEHICLES, generate: { seed, points: POINTS }, paceMs: 250 } });
  expect(status).toBe(202);
  return body.fleetId;
}

/** Dead letters that mention the fleet: none may, every message of it is valid. */
async function deadLettersOf(fleetId: string): Promise<string[]> {
  const topics = [Topics.newDirection, Topics.newPosition, Topics.cancel].map(dlqTopic);
  const found: string[] = [];
  for (const topic of topics) {
    for (const m of await readWholeTopic(topic)) if (m.value?.includes(fleetId)) found.push(`${topic}: ${m.headers['fleetlab-dlq-reason']}`);
  }
  return found;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

describe('faults: a fleet through each, nothing lost or duplicated', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_, c, i) => {
    const fleetId = await startFleet(4_100 + i);
    // Mid-fleet: every trip running, positions flowing (a trip lasts 10 s; the fault comes 2 s in).
    await waitFor('the fleet under way', async () => {
      const { body } = await api<FleetProgress>(`/fleets/${fleetId}`);
      return body.trips.running === VEHICLES ? true : undefined;
    }, 60_000, 250);
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const id = `faults-test-${i}-${Date.now()}`;
    const injectedAt = Date.now();
    const injected = await control('/faults', 'POST', { ...c.fault, id, expiresAt: Date.now() + c.holdMs + 60_000 });
    expect(injected.status, JSON.stringify(injected.body)).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, c.holdMs));
    // The revert of a kill waits until the supervisor's restart is ready; an outage's starts the component again.
    const reverted = await control(`/faults/${id}`, 'DELETE');
    expect([200, 404]).toContain(reverted.status);
    const revertedAt = Date.now();

    await waitFor('every service ready', async () => {
      const ready = await allReady();
      return Object.values(ready).every((s) => s === 200) ? true : undefined;
    }, 120_000, 250);
    const readyAfter = Date.now() - injectedAt;
    // The api reads the database again (the outage's symptom was MongoServerSelectionError long after the revert).
    await waitFor('the api reading the database', async () => ((await api(`/fleets/${fleetId}`)).status === 200 ? true : undefined), 60_000, 250);
    const readsAfter = Date.now() - injectedAt;

    await waitForFleetFinished(fleetId, 240_000);
    const finishedAfter = Date.now() - injectedAt;
    const checked = await expectExactHistories(fleetId, { vehicles: VEHICLES });
    expect(checked.positions).toBe(VEHICLES * POINTS);
    expect(await deadLettersOf(fleetId)).toEqual([]);

    const { body: status } = await control<LabStatus>('/status', 'GET');
    expect(status.faults).toEqual([]);
    for (const [name, component] of Object.entries(status.components)) expect(`${name} ${component.state}`).toBe(`${name} running`);
    expect(await allReady()).toEqual({ api: 200, simulator: 200, consumer: 200 });

    process.stderr.write(
      `faults measured: ${c.name}: ${checked.trips} trips, ${checked.positions} positions exact; from the fault: reverted (restart ` +
        `included) after ${seconds(revertedAt - injectedAt)} s, all ready ${seconds(readyAfter)} s, api reads ${seconds(readsAfter)} s, ` +
        `fleet finished ${seconds(finishedAfter)} s\n`,
    );
  }, 600_000);
});
