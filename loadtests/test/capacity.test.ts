// `npm run load -- --profile capacity` against the real test lab, run as a user runs it. The driver loads an api
// instance of its own with a cap of CAP vehicles, on the lab's Kafka and database: admission is counted per api
// instance, so the other tests' fleets on the lab's api (up to 1,200 vehicles) neither fill this cap nor are refused
// by it, while the lab's simulator plays these fleets and its consumer stores them as for any api instance.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FleetLimits, fleetVehicleId } from '@fleetlab/contracts';
import { freePort, httpOk, ManagedProcess, repoRoot } from '../../platform/local/src/index';
// Types `inject('lab')`: the integration lab's endpoints, provided by the global setup.
import type {} from '../../platform/local/test/global-setup';
import { TIMED_ENDPOINTS } from '../driver/capacity-plan.ts';
import type { RunReport } from '../driver/report.ts';

const CAP = 24;
/** Fleets of 10 fill the cap as 10 + 10 + 4: more than one fleet admitted, the last one exactly to the cap. */
const FLEET_VEHICLES = 10;

let dir: string;
let api: ManagedProcess;
let apiUrl: string;

beforeAll(async () => {
  const lab = inject('lab');
  dir = mkdtempSync(join(tmpdir(), 'fleetlab-capacity-'));
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  const apiDir = join(repoRoot, 'services', 'api');
  api = new ManagedProcess('api-capacity', process.execPath, ['-r', '@fleetlab/telemetry/register', join(apiDir, 'dist', 'main.js')], {
    cwd: apiDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: String(port),
      KAFKA_BROKERS: lab.kafkaBrokers.join(','),
      MONGO_URL: lab.mongoUrl,
      API_MAX_VEHICLES_ON_ROAD: String(CAP),
      LOG_LEVEL: 'info',
      OTEL_SERVICE_NAME: 'api',
      OTEL_SDK_DISABLED: 'true',
      FLEETLAB_ENVIRONMENT: 'local',
    },
    logFile: join(dir, 'api.log'),
  }).start();
  await api.waitUntil(`${apiUrl}/readyz to answer 200 (log: ${join(dir, 'api.log')})`, () => httpOk(`${apiUrl}/readyz`), 90_000);
});

afterAll(async () => {
  await api?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The driver's command line, as `npm run load` runs it; its exit status, stdout and stderr. */
function runDriver(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(repoRoot, 'node_modules/vite-node/vite-node.mjs'), 'loadtests/driver/main.ts', '--', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('npm run load -- --profile capacity', () => {
  it('fills the cap, is refused beyond it with 429 and Retry-After, samples every read, cancels its fleets and writes its report', async () => {
    const before = FleetLimits.parse(await (await fetch(`${apiUrl}/fleets/limits`)).json());
    expect(before.vehiclesOnRoad).toEqual({ name: 'API_MAX_VEHICLES_ON_ROAD', limit: CAP, current: 0 });

    // Latency is the benchmark's business (docs/benchmarks.md), not a test's: the p99 threshold is out of reach here.
    const run = await runDriver([
      '--profile', 'capacity', '--duration', '15', '--base-url', apiUrl, '--out', join(dir, 'results'),
      '--fleet-vehicles', String(FLEET_VEHICLES), '--reads-p99-ms', '60000',
    ]);
    const context = `exit ${run.code}\n${run.stdout}\n${run.stderr}`;
    const printed = /^result: (.+\.json)$/m.exec(run.stdout)?.[1];
    expect(printed, context).toBeDefined();
    const file = resolve(repoRoot, printed!);
    expect(file.startsWith(join(dir, 'results')), context).toBe(true);
    expect(existsSync(file), context).toBe(true);
    const report = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
    const capacity = report.capacity!;

    expect(capacity.cap).toEqual({ name: 'API_MAX_VEHICLES_ON_ROAD', limit: CAP, onRoadBefore: 0, maxFleetVehicles: 20_000 });
    expect(capacity.fill, context).toEqual([
      { vehicles: 10, status: 202 },
      { vehicles: 10, status: 202 },
      { vehicles: 4, status: 202 },
    ]);
    expect(capacity.beyondCap.length, context).toBeGreaterThanOrEqual(1);
    for (const attempt of capacity.beyondCap) {
      expect(attempt, context).toMatchObject({ status: 429, onRoad: CAP, ok: true });
      expect(attempt.retryAfter, context).toMatch(/^[1-9][0-9]*$/);
    }
    // One vehicle over the cap, then the largest fleet.
    expect(capacity.beyondCap[0]!.vehicles).toBe(1);
    expect(capacity.reads.map((r) => r.name)).toEqual([...TIMED_ENDPOINTS]);
    for (const read of capacity.reads) {
      expect(read.count, `${read.name} sampled\n${context}`).toBeGreaterThan(0);
      expect(read.errors, `${read.name} failed\n${context}`).toBe(0);
    }
    // Each fleet cancelled once, at the end; nothing else of the run failed.
    expect(capacity.reads.find((r) => r.name === 'DELETE /fleets/:id')!.count).toBe(3);
    expect(report.api.endpoints.every((e) => e.errors === 0), context).toBe(true);
    expect(report.stoppedBy).toBe('schedule');
    expect(run.code, context).toBe(0);
    expect(run.stdout).toContain('PASS: every check held');

    // Everything the run started left the road: the cap is free again.
    const after = FleetLimits.parse(await (await fetch(`${apiUrl}/fleets/limits`)).json());
    expect(after.vehiclesOnRoad.current).toBe(0);
  }, 180_000);

  it('takes a cancelled trip off the road at once, alone or as one vehicle of its fleet', async () => {
    const onRoad = async (): Promise<number> => FleetLimits.parse(await (await fetch(`${apiUrl}/fleets/limits`)).json()).vehiclesOnRoad.current;
    const post = (path: string, body: unknown): Promise<Response> =>
      fetch(`${apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // Slow enough that nothing finishes during the test: only a cancel can free the road.
    const trip = await post('/trips', { routeId: '1', paceMs: 60_000 });
    expect(trip.status).toBe(202);
    const { tripId } = (await trip.json()) as { tripId: string };
    const fleet = await post('/fleets', { vehicles: 3, paceMs: 60_000, routeIds: ['1'] });
    expect(fleet.status).toBe(202);
    const { fleetId } = (await fleet.json()) as { fleetId: string };
    expect(await onRoad()).toBe(4);

    expect((await fetch(`${apiUrl}/trips/${tripId}`, { method: 'DELETE' })).status).toBe(202);
    expect(await onRoad()).toBe(3);
    // Cancelling it again changes nothing: it left the road once.
    expect((await fetch(`${apiUrl}/trips/${tripId}`, { method: 'DELETE' })).status).toBe(202);
    expect(await onRoad()).toBe(3);

    const vehicle = fleetVehicleId(fleetId, 0);
    const fleetTrip = (await (await fetch(`${apiUrl}/trips?vehicleId=${encodeURIComponent(vehicle)}`)).json()) as { items: Array<{ tripId: string }> };
    expect(fleetTrip.items).toHaveLength(1);
    expect((await fetch(`${apiUrl}/trips/${fleetTrip.items[0]!.tripId}`, { method: 'DELETE' })).status).toBe(202);
    expect(await onRoad()).toBe(2);

    expect((await fetch(`${apiUrl}/fleets/${fleetId}`, { method: 'DELETE' })).status).toBe(202);
    expect(await onRoad()).toBe(0);
  }, 60_000);
});
