/**
 * `npm run bench -- reads`: every API read at scale. Starts a fresh local lab, fills its database with finished fleets
 * (default 5 × 20,000 trips of 30 points: 100,000 trips, 3,000,000 positions) written in the exact document shapes the
 * api and the consumer write (trips, trip_positions, fleets, and the read models trip_index and fleet_progress), runs
 * the load driver's `average` profile against the api, and meanwhile times each read endpoint: p50, p99 and max.
 * Options: --fleets N (5) --vehicles N (20000) --points N (30) --samples N (100 per endpoint) --load on|off (on).
 * Results go to bench-results/reads-<timestamp>.json and, as a table, to stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type AnyBulkWriteOperation, type Db, type Document } from 'mongodb';
import {
  FLEET_PROGRESS_BLOCK,
  GeneratedRoutes,
  ReadModelCollections,
  TRIP_INDEX_PAGE,
  fleetIndexKey,
  fleetProgressId,
  fleetVehicleId,
  tripIndexPageId,
} from '@fleetlab/contracts';
import { machineLine, optionReader, percentile, writeBenchReport } from './bench-common';
import { freeLabPorts, Lab } from './lab';
import { repoRoot } from './paths';
import { consoleProgress as progress } from './progress';

interface Options {
  fleets: number;
  vehicles: number;
  points: number;
  samples: number;
  load: boolean;
  /** Measure a lab already filled by this bench (its api and database URLs) instead of starting and filling one. */
  apiUrl: string | undefined;
  mongoUrl: string | undefined;
}

function parseOptions(argv: string[]): Options {
  const { value, int } = optionReader(argv);
  return {
    fleets: int('fleets', 5),
    vehicles: int('vehicles', 20_000),
    points: int('points', 30),
    samples: int('samples', 100),
    load: value('load', 'on') !== 'off',
    apiUrl: argv.includes('--api-url') ? value('api-url', '') : undefined,
    mongoUrl: argv.includes('--mongo-url') ? value('mongo-url', '') : undefined,
  };
}

/** Positions inserted per command, and commands in flight. */
const POSITION_BATCH = 3000;
const TRIP_BATCH = 1000;

interface FilledFleet {
  fleetId: string;
  routeIds: string[];
  tripIds: string[];
}

/** One finished fleet as the api creates it and the consumer leaves it, written in bulk. */
async function fillFleet(db: Db, routes: Array<{ id: string; points: Array<[number, number]> }>, vehicles: number, createdAt: Date): Promise<FilledFleet> {
  const fleetId = randomUUID();
  const routeIds = routes.map((r) => r.id);
  const paceMs = 1000;
  await db.collection('fleets').insertOne({ _id: fleetId as never, vehicles, paceMs, routeIds, status: 'running', createdAt });
  const index = db.collection(ReadModelCollections.tripIndex);
  // The api's appends: the fleet as one entry of `all` and of each of its routes' lists (TripIndexService.append).
  const append = async (key: string, trips: number): Promise<void> => {
    const head = await index.findOneAndUpdate({ _id: key as never }, { $inc: { n: 1, trips } }, { upsert: true, returnDocument: 'after' });
    const slot = (head?.n as number) - 1;
    await index.updateOne(
      { _id: tripIndexPageId(key, Math.floor(slot / TRIP_INDEX_PAGE)) as never },
      { $set: { [`ids.${slot}`]: `@${fleetId}` } },
      { upsert: true },
    );
  };
  await append('all', vehicles);
  for (let r = 0; r < routeIds.length; r++) {
    const onRoute = r < vehicles ? Math.floor((vehicles - 1 - r) / routeIds.length) + 1 : 0;
    if (onRoute > 0) await append(`route:${routeIds[r]}`, onRoute);
  }
  const tripIds: string[] = [];
  const positionWrites: Array<Promise<unknown>> = [];
  for (let start = 0; start < vehicles; start += TRIP_BATCH) {
    const trips: Document[] = [];
    const positions: Document[] = [];
    for (let i = start; i < Math.min(vehicles, start + TRIP_BATCH); i++) {
      const tripId = randomUUID();
      tripIds.push(tripId);
      const route = routes[i % routes.length]!;
      const vehicleId = fleetVehicleId(fleetId, i);
      const t0 = createdAt.getTime() + 1000;
      const total = route.points.length;
      trips.push({
        _id: tripId,
        routeId: route.id,
        vehicleId,
        clientId: '',
        fleetId,
        status: 'finished',
        requestedAt: createdAt,
        count: total,
        total,
        paceMs,
        startedAt: new Date(t0),
        finishedAt: new Date(t0 + (total - 1) * paceMs),
        lastPosition: route.points[total - 1],
        lastSeq: total - 1,
        lastTs: new Date(t0 + (total - 1) * paceMs),
      });
      route.points.forEach((position, seq) => {
        positions.push({
          _id: `${tripId}:${seq}`,
          tripId,
          seq,
          position,
          ts: new Date(t0 + seq * paceMs),
          routeId: route.id,
          vehicleId,
          storedAt: new Date(t0 + seq * paceMs + 50),
        });
      });
    }
    await db.collection('trips').insertMany(trips, { ordered: false });
    const ids = trips.map((t) => t._id as string);
    const pages = new Map<number, Record<string, string>>();
    ids.forEach((id, j) => {
      const slot = start + j;
      const page = Math.floor(slot / TRIP_INDEX_PAGE);
      pages.set(page, { ...pages.get(page), [`ids.${slot}`]: id });
    });
    const ops = [...pages].map(([page, $set]) => ({
      updateOne: { filter: { _id: tripIndexPageId(fleetIndexKey(fleetId), page) as never }, update: { $set }, upsert: true },
    })) satisfies AnyBulkWriteOperation[];
    for (let k = 0; k < ops.length; k += 20) await index.bulkWrite(ops.slice(k, k + 20), { ordered: false });
    // The consumer's fleet progress: every trip of the block running, then finished.
    const block = Math.floor(start / FLEET_PROGRESS_BLOCK);
    const flags: Record<string, 1> = {};
    for (let i = start; i < Math.min(vehicles, start + TRIP_BATCH); i++) {
      flags[`running.${i % FLEET_PROGRESS_BLOCK}`] = 1;
      flags[`finished.${i % FLEET_PROGRESS_BLOCK}`] = 1;
    }
    await db.collection(ReadModelCollections.fleetProgress).updateOne({ _id: fleetProgressId(fleetId, block) as never }, { $set: flags }, { upsert: true });
    for (let k = 0; k < positions.length; k += POSITION_BATCH) {
      positionWrites.push(db.collection('trip_positions').insertMany(positions.slice(k, k + POSITION_BATCH), { ordered: false }));
      // Two commands in flight at most.
      if (positionWrites.length >= 2) await positionWrites.shift();
    }
  }
  await Promise.all(positionWrites);
  await index.updateOne({ _id: fleetIndexKey(fleetId) as never }, { $set: { n: vehicles } }, { upsert: true });
  return { fleetId, routeIds, tripIds };
}

/** The fleets of `vehicles` a previous fill left, read back through the read models by `_id`. */
async function filledFleets(db: Db, vehicles: number): Promise<FilledFleet[]> {
  const index = db.collection(ReadModelCollections.tripIndex);
  const head = await index.findOne({ _id: 'all' as never });
  const out: FilledFleet[] = [];
  for (let page = 0; page <= Math.floor(((head?.n as number) - 1) / TRIP_INDEX_PAGE); page++) {
    const doc = await index.findOne({ _id: tripIndexPageId('all', page) as never });
    for (const entry of Object.values((doc?.ids ?? {}) as Record<string, string>)) {
      if (!entry.startsWith('@')) continue;
      const fleet = await db.collection('fleets').findOne({ _id: entry.slice(1) as never });
      if (!fleet || fleet.vehicles !== vehicles) continue;
      const tripIds: string[] = [];
      for (let p = 0; p < Math.ceil(vehicles / TRIP_INDEX_PAGE); p++) {
        const ids = (await index.findOne({ _id: tripIndexPageId(fleetIndexKey(String(fleet._id)), p) as never }))?.ids as Record<string, string>;
        tripIds.push(...Object.values(ids ?? {}));
      }
      out.push({ fleetId: String(fleet._id), routeIds: fleet.routeIds as string[], tripIds });
    }
  }
  return out;
}

interface EndpointResult {
  endpoint: string;
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  statuses: Record<string, number>;
}

/** The driver's `average` profile against the lab's api, as a child process (npm run load). */
function startLoad(apiUrl: string, out: string): ChildProcess {
  const child = spawn(process.execPath, [join(repoRoot, 'node_modules/vite-node/vite-node.mjs'), 'loadtests/driver/main.ts', '--', '--profile', 'average', '--base-url', apiUrl, '--out', out], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => progress.info(`load: ${chunk.toString().trim().split('\n').pop()}`));
  child.stderr?.on('data', (chunk: Buffer) => progress.info(`load: ${chunk.toString().trim().split('\n').pop()}`));
  return child;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2).filter((a) => a !== 'reads'));
  const runDir = mkdtempSync(join(tmpdir(), 'fleetlab-bench-reads-'));
  const reuse = options.apiUrl && options.mongoUrl ? { apiUrl: options.apiUrl, mongoUrl: options.mongoUrl } : undefined;
  const lab = reuse ? undefined : new Lab({ runDir, progress, telemetry: true, logLevel: 'warn', ports: await freeLabPorts() });
  let load: ChildProcess | undefined;
  try {
    await lab?.start();
    const { apiUrl, mongoUrl } = reuse ?? lab!.endpoints;
    const post = async (path: string, body: unknown): Promise<Response> =>
      fetch(`${apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const generated = await post('/routes/generate', { seed: 4242, count: 100, points: options.points });
    if (generated.status !== 201) throw new Error(`POST /routes/generate: ${generated.status} ${await generated.text()}`);
    const summaries = GeneratedRoutes.parse(await generated.json()).routes;
    const routes = await Promise.all(
      summaries.map(async (s) => ({ id: s.id, points: ((await (await fetch(`${apiUrl}/routes/${s.id}`)).json()) as { points: Array<[number, number]> }).points })),
    );

    const client = await new MongoClient(mongoUrl).connect();
    const db = client.db();
    const fillStarted = Date.now();
    const fleets: FilledFleet[] = reuse ? await filledFleets(db, options.vehicles) : [];
    for (let f = 0; !reuse && f < options.fleets; f++) {
      progress.step(`filling fleet ${f + 1}/${options.fleets}: ${options.vehicles} trips × ${options.points} positions`);
      fleets.push(await fillFleet(db, routes, options.vehicles, new Date(Date.now() - (options.fleets - f) * 3_600_000)));
      progress.done(`${(f + 1) * options.vehicles} trips, ${(f + 1) * options.vehicles * options.points} positions in ${Math.round((Date.now() - fillStarted) / 1000)} s`);
    }
    const fillSeconds = Math.round((Date.now() - fillStarted) / 1000);
    // Counted as written: a count on FerretDB reads the whole collection (minutes at 3,000,000 positions).
    const trips = (reuse ? fleets.length : options.fleets) * options.vehicles;
    const positions = trips * options.points;
    await client.close();
    progress.done(`database: ${trips} trips, ${positions} positions (filled in ${fillSeconds} s)`);

    const loadOut = join(runDir, 'load');
    if (options.load) {
      load = startLoad(apiUrl, loadOut);
      progress.step('average load profile ramping up (30 s)');
      await new Promise((resolve) => setTimeout(resolve, 30_000));
    }
    const pick = <T>(list: readonly T[], i: number): T => list[(i * 7919) % list.length]!;
    const endpoints: Array<{ name: string; request: (i: number) => { method: string; path: string } }> = [
      { name: 'GET /trips', request: () => ({ method: 'GET', path: '/trips?limit=50' }) },
      { name: 'GET /trips?offset=5000', request: () => ({ method: 'GET', path: '/trips?limit=50&offset=5000' }) },
      { name: 'GET /trips?fleetId', request: (i) => ({ method: 'GET', path: `/trips?fleetId=${pick(fleets, i).fleetId}&limit=50&offset=${(i * 50) % 10_000}` }) },
      { name: 'GET /trips?fleetId&status', request: (i) => ({ method: 'GET', path: `/trips?fleetId=${pick(fleets, i).fleetId}&status=finished&limit=50` }) },
      { name: 'GET /trips?status=running', request: () => ({ method: 'GET', path: '/trips?status=running&limit=50' }) },
      { name: 'GET /trips?status=finished', request: () => ({ method: 'GET', path: '/trips?status=finished&limit=50' }) },
      { name: 'GET /trips?routeId', request: (i) => ({ method: 'GET', path: `/trips?routeId=${pick(routes, i).id}&limit=50` }) },
      { name: 'GET /trips?vehicleId', request: (i) => ({ method: 'GET', path: `/trips?vehicleId=${fleetVehicleId(pick(fleets, i).fleetId, (i * 131) % options.vehicles)}` }) },
      { name: 'GET /trips/:id', request: (i) => ({ method: 'GET', path: `/trips/${pick(pick(fleets, i).tripIds, i)}` }) },
      { name: 'GET /trips/:id/positions', request: (i) => ({ method: 'GET', path: `/trips/${pick(pick(fleets, i + 1).tripIds, i)}/positions` }) },
      { name: 'GET /fleets/:id', request: (i) => ({ method: 'GET', path: `/fleets/${pick(fleets, i).fleetId}` }) },
      { name: 'DELETE /fleets/:id', request: (i) => ({ method: 'DELETE', path: `/fleets/${pick(fleets, i).fleetId}` }) },
      { name: 'GET /routes', request: () => ({ method: 'GET', path: '/routes' }) },
    ];
    const timings = new Map(endpoints.map((e) => [e.name, [] as number[]]));
    const statuses = new Map(endpoints.map((e) => [e.name, {} as Record<string, number>]));
    progress.step(`timing ${endpoints.length} read endpoints, ${options.samples} requests each, interleaved`);
    const loads: number[] = [];
    for (let i = 0; i < options.samples; i++) {
      for (const endpoint of endpoints) {
        const { method, path } = endpoint.request(i);
        const started = performance.now();
        let status = 0;
        try {
          const response = await fetch(`${apiUrl}${path}`, { method, signal: AbortSignal.timeout(30_000) });
          await response.arrayBuffer();
          status = response.status;
        } catch {
          status = 0;
        }
        timings.get(endpoint.name)!.push(performance.now() - started);
        const counts = statuses.get(endpoint.name)!;
        counts[status] = (counts[status] ?? 0) + 1;
      }
      if (i % 10 === 0) loads.push(loadavg()[0]!);
    }
    const results: EndpointResult[] = endpoints.map((e) => {
      const sorted = timings.get(e.name)!.sort((a, b) => a - b);
      const counts = statuses.get(e.name)!;
      const ok = e.name.startsWith('DELETE') ? '202' : '200';
      return {
        endpoint: e.name,
        requests: sorted.length,
        errors: sorted.length - (counts[ok] ?? 0),
        p50Ms: Math.round(percentile(sorted, 50)),
        p99Ms: Math.round(percentile(sorted, 99)),
        maxMs: Math.round(sorted[sorted.length - 1] ?? Number.NaN),
        statuses: counts,
      };
    });
    if (load) {
      progress.step('waiting for the load profile to end');
      if (load.exitCode === null && load.signalCode === null) await new Promise((resolve) => load!.once('exit', resolve));
      load = undefined;
    }
    const machine = machineLine();
    const report = {
      date: new Date().toISOString(),
      machine,
      node: process.version,
      options,
      database: { trips, positions, fillSeconds },
      loadAverage1m: { min: Math.min(...loads), max: Math.max(...loads) },
      results,
    };
    const file = writeBenchReport(
      'reads',
      report,
      ` · ${trips} trips, ${positions} positions · load average ${report.loadAverage1m.min.toFixed(1)}–${report.loadAverage1m.max.toFixed(1)}`,
    );
    process.stdout.write(`| endpoint | requests | not ${'2xx'} | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n`);
    for (const r of results) process.stdout.write(`| ${r.endpoint} | ${r.requests} | ${r.errors} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} |\n`);
    process.stdout.write(`\nfull results: ${file}\n`);
  } finally {
    if (load) load.kill('SIGTERM');
    await lab?.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`fleetlab ✗ ${error.stack ?? error.message}\n`);
  process.exit(1);
});
