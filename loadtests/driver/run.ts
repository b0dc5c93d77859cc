/**
 * One driver run: the scenarios' traffic against a local lab, following a load profile second by second.
 * - 01 + 02, the API mix: each virtual user loops GET /routes, GET /routes/:id and, one iteration in four,
 *   POST /trips then GET /trips/:id, with 1 s of think time.
 * - 03, fleets and watching: vehicles go on the road as fleets (POST /fleets on generated routes), one socket.io
 *   connection subscribes to each (subscribe-fleet) and measures freshness; GET /fleets/:id polls them every 10 s,
 *   a fleet whose trips all finished is replaced, and the fleets follow the profile down (DELETE /fleets/:id).
 * Bounded: the schedule ends within the profile's max duration and a timer stops the run there whatever happens;
 * every fleet and trip the run started is cancelled on the way out.
 */
import os from 'node:os';
import { MAX_VEHICLES, type CreateFleetBody, type FleetCreated, type RouteSummary } from '@fleetlab/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { totalDuration } from '../lib/profiles.ts';
import { buildSchedule, fleetChunk, planFleets } from '../lib/schedule.ts';
import { GENERATE_BODY, loadRouteIds, loadRoutesPresent, ROUTE_COUNT, ROUTE_POINTS } from '../lib/routes.ts';
import { evaluateSlo, type LoadedSlo } from '../lib/slo.ts';
import { ApiClient } from './api-client.ts';
import type { DriverArgs } from './args.ts';
import { FleetWatcher } from './fleet-watcher.ts';
import type { RunReport, TimelinePoint } from './report.ts';

export class TargetRefused extends Error {}

const FLEET_POLL_EVERY_SEC = 10;
/** The api takes at most this many vehicles per fleet. */
const MAX_FLEET_VEHICLES = MAX_VEHICLES;

interface FleetState {
  vehicles: number;
  id: string | undefined;
  cancelled: boolean;
}

type Log = (line: string) => void;

export async function runLoad(args: DriverArgs, slo: LoadedSlo, log: Log = (l) => process.stderr.write(`${l}\n`)): Promise<RunReport> {
  const api = new ApiClient(args.baseUrl);
  const profile = args.profile;
  const runSec = totalDuration(profile);
  log(`fleetlab load: ${profile.name} (${profile.description}), ${args.vehicles} vehicles at the peak, ${runSec} s, max ${profile.maxDurationSec} s`);
  log(`SLOs from ${slo.source}: api p99 < ${slo.slo.apiLatencyP99Ms} ms, errors < ${slo.slo.errorRate * 100} %, freshness p99 < ${slo.slo.freshnessP99Ms} ms`);

  // setup(): refuse a target that is not ready, as the k6 scenarios do.
  const ready = await api.call<{ notReady?: string[] }>('GET', '/readyz', { measure: false, accept: [503] });
  if (ready.status !== 200) {
    throw new TargetRefused(
      `refusing ${args.baseUrl}: GET /readyz answered ${ready.status || 'nothing'}` +
        (ready.body?.notReady ? ` (not ready: ${ready.body.notReady.join(', ')})` : '') +
        ' — start the lab first (npm run lab)',
    );
  }

  // The fleets drive the fixed set of generated routes; generated only when this lab doesn't have it yet.
  const known = await api.call<RouteSummary[]>('GET', '/routes', { measure: false, timeoutMs: 30_000 });
  if (!known.ok || !Array.isArray(known.body)) throw new TargetRefused(`GET /routes answered ${known.status || 'nothing'}`);
  if (!loadRoutesPresent(known.body)) {
    log(`generating the load routes (${ROUTE_COUNT} of ${ROUTE_POINTS} points, once per lab)`);
    const generated = await api.call('POST', '/routes/generate', { measure: false, timeoutMs: 120_000, body: GENERATE_BODY });
    if (!generated.ok) throw new TargetRefused(`POST /routes/generate answered ${generated.status || 'nothing'}`);
  }
  const routeIds = loadRouteIds();

  const watcher = new FleetWatcher(args.baseUrl);
  await watcher.connected();

  const startedAt = new Date();
  const t0 = performance.now();
  const elapsed = (): number => (performance.now() - t0) / 1000;
  let running = true;
  let stoppedBy: RunReport['stoppedBy'] = 'schedule';

  // ---- fleets (03) ------------------------------------------------------------------------------------------------
  const fleets: FleetState[] = [];
  let fleetsCreated = 0;
  let fleetsCancelled = 0;
  let fleetErrors = 0;
  let firstFleetAt: number | undefined;
  // Fleet calls run one at a time: a big POST /fleets takes a while and the tick must not pile them up.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (op: () => Promise<void>): void => {
    queue = queue.then(op).catch((error: unknown) => {
      fleetErrors++;
      log(`fleet operation failed: ${(error as Error).message}`);
    });
  };
  const createFleet = (fleet: FleetState): void =>
    enqueue(async () => {
      if (!running || fleet.cancelled) return;
      const res = await api.call<FleetCreated>('POST', '/fleets', {
        name: 'POST /fleets',
        body: { vehicles: fleet.vehicles, routeIds, ...(args.paceMs ? { paceMs: args.paceMs } : {}) } satisfies CreateFleetBody,
        timeoutMs: 60_000,
      });
      if (!res.body?.fleetId) throw new Error(`POST /fleets answered ${res.status}`);
      fleet.id = res.body.fleetId;
      fleetsCreated++;
      firstFleetAt ??= elapsed();
      await watcher.subscribe(fleet.id);
    });
  const cancelFleet = async (fleet: FleetState, measure: boolean): Promise<void> => {
    fleet.cancelled = true;
    if (!fleet.id) return;
    watcher.forget(fleet.id);
    const res = await api.call('DELETE', `/fleets/${encodeURIComponent(fleet.id)}`, { name: 'DELETE /fleets/:id', measure });
    if (res.ok) fleetsCancelled++;
    else log(`DELETE /fleets/${fleet.id} answered ${res.status}`);
  };
  const pollFleets = (): void =>
    enqueue(async () => {
      for (const fleet of fleets.filter((f) => f.id && !f.cancelled)) {
        if (!running) return;
        const res = await api.call<{ trips?: { requested: number; running: number; finished: number } }>(
          'GET',
          `/fleets/${encodeURIComponent(fleet.id!)}`,
          { name: 'GET /fleets/:id' },
        );
        const trips = res.body?.trips;
        if (trips && trips.requested + trips.running === 0 && trips.finished > 0) {
          // Every vehicle arrived: put a fresh fleet on the road so the load holds.
          await cancelFleet(fleet, true);
          const next: FleetState = { vehicles: fleet.vehicles, id: undefined, cancelled: false };
          fleets.push(next);
          createFleet(next);
        }
      }
    });

  // ---- virtual users (01 + 02) ------------------------------------------------------------------------------------
  const workers: { stop: boolean; done: Promise<void> }[] = [];
  const startedTrips: string[] = [];
  const vuLoop = async (vu: number, self: { stop: boolean }): Promise<void> => {
    for (let iter = 0; running && !self.stop; iter++) {
      const list = await api.call<RouteSummary[]>('GET', '/routes', { name: 'GET /routes' });
      const routes = Array.isArray(list.body) ? list.body : [];
      const route = routes[Math.floor(Math.random() * routes.length)];
      if (route) await api.call('GET', `/routes/${encodeURIComponent(route.id)}`, { name: 'GET /routes/:id' });
      const seeds = routes.filter((r) => r.source === 'seed');
      const tripRoute = seeds[Math.floor(Math.random() * seeds.length)] ?? route;
      if (tripRoute && Math.random() < 0.25 && running && !self.stop) {
        const trip = await api.call<{ tripId?: string }>('POST', '/trips', {
          name: 'POST /trips',
          body: { routeId: tripRoute.id, vehicleId: `driver-${vu}-${iter}` },
        });
        if (trip.body?.tripId) {
          startedTrips.push(trip.body.tripId);
          await sleep(500);
          await api.call('GET', `/trips/${encodeURIComponent(trip.body.tripId)}`, { name: 'GET /trips/:id' });
        }
      }
      await sleep(1000);
    }
  };
  const setVus = (wanted: number): void => {
    const live = workers.filter((w) => !w.stop);
    for (let i = live.length; i < wanted; i++) {
      const self = { stop: false, done: Promise.resolve() };
      self.done = vuLoop(workers.length, self).catch((error: unknown) => log(`virtual user failed: ${(error as Error).message}`));
      workers.push(self);
    }
    for (let i = live.length - 1; i >= wanted; i--) live[i]!.stop = true;
  };

  // ---- the schedule ------------------------------------------------------------------------------------------------
  const schedule = buildSchedule(profile, args.vehicles, 1);
  const chunk = fleetChunk(args.vehicles, MAX_FLEET_VEHICLES);
  const timeline: TimelinePoint[] = [];
  let stopNow: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stopNow = resolve));
  const deadline = setTimeout(() => {
    stoppedBy = 'max-duration';
    log(`max duration of ${profile.maxDurationSec} s reached: stopping`);
    stopNow();
  }, profile.maxDurationSec * 1000);
  const onSignal = (): void => {
    stoppedBy = 'signal';
    log('interrupted: stopping and cancelling the fleets');
    stopNow();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let lastPositions = 0;
  let lastRequests = 0;
  let positionsAtFirstFleet = 0;
  for (const step of schedule) {
    const wait = t0 + step.t * 1000 - performance.now();
    const interrupted = await Promise.race([sleep(Math.max(0, wait)).then(() => false), stopped.then(() => true)]);
    if (interrupted) break;
    setVus(step.vus);
    const active = fleets.filter((f) => !f.cancelled);
    for (const action of planFleets(active.map((f) => f.vehicles), step.vehicles, chunk, args.vehicles)) {
      if (action.kind === 'create') {
        const fleet: FleetState = { vehicles: action.vehicles, id: undefined, cancelled: false };
        fleets.push(fleet);
        createFleet(fleet);
      } else {
        const fleet = active[action.index]!;
        fleet.cancelled = true;
        enqueue(() => cancelFleet(fleet, true));
      }
    }
    if (step.t > 0 && step.t % FLEET_POLL_EVERY_SEC === 0) pollFleets();
    if (firstFleetAt === undefined) positionsAtFirstFleet = watcher.positions;
    timeline.push({
      t: step.t,
      vus: step.vus,
      vehicles: fleets.filter((f) => f.id && !f.cancelled).reduce((a, f) => a + f.vehicles, 0),
      positions: watcher.positions - lastPositions,
      requests: api.measuredRequests - lastRequests,
    });
    lastPositions = watcher.positions;
    lastRequests = api.measuredRequests;
  }
  const watchEnd = elapsed();
  const delivered = watcher.positions - positionsAtFirstFleet;

  // ---- teardown: stop users, cancel everything this run started -------------------------------------------------------
  running = false;
  clearTimeout(deadline);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  setVus(0);
  await Promise.race([queue, sleep(65_000)]);
  await Promise.all(fleets.filter((f) => f.id && !f.cancelled).map((f) => cancelFleet(f, false)));
  await Promise.race([Promise.all(workers.map((w) => w.done)), sleep(15_000)]);
  for (let i = 0; i < startedTrips.length; i += 20) {
    // A trip that already finished answers 409: nothing to cancel.
    await Promise.all(
      startedTrips.slice(i, i + 20).map((id) => api.call('DELETE', `/trips/${encodeURIComponent(id)}`, { measure: false, accept: [404, 409] })),
    );
  }
  watcher.close();
  const endedAt = new Date();

  // ---- the verdict --------------------------------------------------------------------------------------------------
  const overall = api.overall();
  const watchSec = firstFleetAt === undefined ? 0 : Math.max(1, watchEnd - firstFleetAt);
  const freshness = watcher.freshness.summary();
  const verdict = evaluateSlo(
    {
      apiRequests: overall.requests,
      apiErrors: overall.errors,
      apiLatencyP99Ms: overall.latency.percentile(99),
      positions: watcher.positions,
      freshnessP99Ms: freshness.p99,
    },
    slo.slo,
  );
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  return {
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationSec: (endedAt.getTime() - startedAt.getTime()) / 1000,
    stoppedBy,
    machine: { cpu, cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.release()}` },
    target: args.baseUrl,
    profile: { name: profile.name, stages: profile.stages.map((s) => ({ ...s })), maxDurationSec: profile.maxDurationSec },
    vehicles: { peak: args.vehicles, paceMs: args.paceMs, fleetsCreated, fleetsCancelled, fleetErrors },
    slo: { ...slo.slo, source: slo.source },
    api: {
      overall: { name: 'all', ...overall.latency.summary(), errors: overall.errors, errorKinds: {} },
      endpoints: [...api.endpoints.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, s]) => ({ name, ...s.latency.summary(), errors: s.errors, errorKinds: s.errorKinds })),
    },
    freshness,
    positions: {
      delivered,
      perSecond: watchSec > 0 ? delivered / watchSec : 0,
      peakPerSecond: Math.max(0, ...timeline.map((p) => p.positions)),
      watchSec,
    },
    socket: { connectErrors: watcher.connectErrors, disconnects: watcher.disconnects },
    checks: verdict.checks,
    ok: verdict.ok && stoppedBy === 'schedule',
    timeline,
  };
}

