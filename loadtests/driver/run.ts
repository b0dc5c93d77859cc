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
import { MAX_VEHICLES, type AdmissionRefusal, type CreateFleetBody, type FleetCreated, type RouteSummary } from '@fleetlab/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { totalDuration } from '../lib/profiles.ts';
import { buildSchedule, fleetChunk, planFleets } from '../lib/schedule.ts';
import { GENERATE_BODY, loadRouteIds, loadRoutesPresent, ROUTE_COUNT, ROUTE_POINTS } from '../lib/routes.ts';
import { evaluateSlo, type LoadedSlo, type SloCheck } from '../lib/slo.ts';
import { MsHistogram } from '../lib/stats.ts';
import { ApiClient, type ApiResult } from './api-client.ts';
import type { DriverArgs } from './args.ts';
import { FleetWatcher } from './fleet-watcher.ts';
import type { CapacityReport, RunReport, TimelinePoint } from './report.ts';

export class TargetRefused extends Error {}

const FLEET_POLL_EVERY_SEC = 10;
/** The api takes at most this many vehicles per fleet. */
const MAX_FLEET_VEHICLES = MAX_VEHICLES;

export interface FleetState {
  vehicles: number;
  id: string | undefined;
  cancelled: boolean;
  /** What POST /fleets answered (0: nothing), once asked. */
  status?: number;
}

export type Log = (line: string) => void;

/**
 * The run's clock: seconds since its start, a hard stop at the profile's max duration whatever happens, and Ctrl-C.
 * Either ends the schedule early and says why in `stoppedBy`.
 */
export class RunClock {
  readonly startedAt = new Date();
  stoppedBy: RunReport['stoppedBy'] = 'schedule';
  private running = true;
  private readonly t0 = performance.now();
  private stopNow: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.stopNow = resolve));
  private readonly deadline: ReturnType<typeof setTimeout>;
  private readonly onSignal = (): void => this.stop('signal', 'interrupted: stopping and cancelling the fleets');

  constructor(maxDurationSec: number, private readonly log: Log) {
    this.deadline = setTimeout(() => this.stop('max-duration', `max duration of ${maxDurationSec} s reached: stopping`), maxDurationSec * 1000);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  readonly elapsed = (): number => (performance.now() - this.t0) / 1000;
  readonly isRunning = (): boolean => this.running;

  /** Waits until second `t` of the run; false when the run was stopped first. */
  async until(t: number): Promise<boolean> {
    const wait = this.t0 + t * 1000 - performance.now();
    return Promise.race([sleep(Math.max(0, wait)).then(() => true), this.stopped.then(() => false)]);
  }

  /** The schedule is over: users and fleets see isRunning() false, the timer and the signal handlers go. */
  finish(): void {
    this.running = false;
    clearTimeout(this.deadline);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }

  private stop(by: RunReport['stoppedBy'], line: string): void {
    this.stoppedBy = by;
    this.log(line);
    this.stopNow();
  }
}

/** setup(): refuse a target that is not ready, as the k6 scenarios do; put the load routes in place once per lab. */
export async function prepareTarget(api: ApiClient, baseUrl: string, log: Log): Promise<string[]> {
  const ready = await api.call<{ notReady?: string[] }>('GET', '/readyz', { measure: false, accept: [503] });
  if (ready.status !== 200) {
    throw new TargetRefused(
      `refusing ${baseUrl}: GET /readyz answered ${ready.status || 'nothing'}` +
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
  return loadRouteIds();
}

/**
 * Scenario 03's fleets: put on the road, watched over socket.io (when a watcher is given), polled every
 * FLEET_POLL_EVERY_SEC and replaced when every vehicle arrived, cancelled as the profile comes down. Fleet calls run
 * one at a time: a big POST /fleets takes a while and the tick must not pile them up.
 */
export class Fleets {
  readonly all: FleetState[] = [];
  created = 0;
  cancelled = 0;
  errors = 0;
  /** Seconds into the run when the first fleet was on the road. */
  firstAt: number | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: ApiClient,
    private readonly watcher: FleetWatcher | undefined,
    private readonly routeIds: string[],
    private readonly paceMs: number | undefined,
    private readonly isRunning: () => boolean,
    private readonly elapsed: () => number,
    private readonly log: Log,
  ) {}

  active(): FleetState[] {
    return this.all.filter((f) => !f.cancelled);
  }

  /** Vehicles of the fleets on the road now. */
  vehiclesOnRoad(): number {
    return this.all.filter((f) => f.id && !f.cancelled).reduce((a, f) => a + f.vehicles, 0);
  }

  add(vehicles: number): void {
    const fleet: FleetState = { vehicles, id: undefined, cancelled: false };
    this.all.push(fleet);
    this.enqueue(async () => {
      if (!this.isRunning() || fleet.cancelled) return;
      const res = await this.post(fleet, 'POST /fleets', []);
      if (!res.body?.fleetId) throw new Error(`POST /fleets answered ${res.status}`);
      await this.watcher?.subscribe(res.body.fleetId);
    });
  }

  /**
   * A POST /fleets the caller expects refused (429 is no error here), in turn with the other fleet calls. A fleet
   * admitted anyway is on the road like the others and cancelled with them.
   */
  attempt(vehicles: number, name: string): Promise<ApiResult<FleetCreated & Partial<AdmissionRefusal>>> {
    const fleet: FleetState = { vehicles, id: undefined, cancelled: false };
    return new Promise((resolve, reject) => {
      this.enqueue(async () => {
        try {
          const res = await this.post(fleet, name, [429]);
          if (fleet.id) this.all.push(fleet);
          resolve(res);
        } catch (error) {
          reject(error as Error);
        }
      });
    });
  }

  private async post(fleet: FleetState, name: string, accept: number[]): Promise<ApiResult<FleetCreated & Partial<AdmissionRefusal>>> {
    const res = await this.api.call<FleetCreated & Partial<AdmissionRefusal>>('POST', '/fleets', {
      name,
      body: { vehicles: fleet.vehicles, routeIds: this.routeIds, ...(this.paceMs ? { paceMs: this.paceMs } : {}) } satisfies CreateFleetBody,
      timeoutMs: 60_000,
      accept,
    });
    fleet.status = res.status;
    if (res.body?.fleetId) {
      fleet.id = res.body.fleetId;
      this.created++;
      this.firstAt ??= this.elapsed();
    }
    return res;
  }

  /** Resolves when every fleet call asked for so far has been answered. */
  async settled(): Promise<void> {
    await this.queue;
  }

  remove(fleet: FleetState): void {
    fleet.cancelled = true;
    this.enqueue(() => this.cancel(fleet, true));
  }

  poll(): void {
    this.enqueue(async () => {
      for (const fleet of this.all.filter((f) => f.id && !f.cancelled)) {
        if (!this.isRunning()) return;
        const res = await this.api.call<{ trips?: { requested: number; running: number; finished: number } }>(
          'GET',
          `/fleets/${encodeURIComponent(fleet.id!)}`,
          { name: 'GET /fleets/:id' },
        );
        const trips = res.body?.trips;
        if (trips && trips.requested + trips.running === 0 && trips.finished > 0) {
          // Every vehicle arrived: put a fresh fleet on the road so the load holds.
          await this.cancel(fleet, true);
          this.add(fleet.vehicles);
        }
      }
    });
  }

  /** Waits (up to `waitMs`) for the calls in flight, then cancels every fleet still on the road (measured or not). */
  async cancelAll(waitMs: number, measure = false): Promise<void> {
    await Promise.race([this.queue, sleep(waitMs)]);
    await Promise.all(this.all.filter((f) => f.id && !f.cancelled).map((f) => this.cancel(f, measure)));
  }

  private enqueue(op: () => Promise<void>): void {
    this.queue = this.queue.then(op).catch((error: unknown) => {
      this.errors++;
      this.log(`fleet operation failed: ${(error as Error).message}`);
    });
  }

  private async cancel(fleet: FleetState, measure: boolean): Promise<void> {
    fleet.cancelled = true;
    if (!fleet.id) return;
    this.watcher?.forget(fleet.id);
    const res = await this.api.call('DELETE', `/fleets/${encodeURIComponent(fleet.id)}`, { name: 'DELETE /fleets/:id', measure });
    if (res.ok) this.cancelled++;
    else this.log(`DELETE /fleets/${fleet.id} answered ${res.status}`);
  }
}

/** One iteration of a virtual user; `wanted()` turns false when the user should stop. */
export type Iteration = (vu: number, iter: number, wanted: () => boolean) => Promise<void>;

/**
 * Virtual users, their number following the profile, each looping an iteration with 1 s of think time. By default
 * scenarios 01 + 02: GET /routes, GET /routes/:id and, one iteration in four, POST /trips then GET /trips/:id.
 */
export class VirtualUsers {
  private readonly workers: { stop: boolean; done: Promise<void> }[] = [];
  private readonly startedTrips: string[] = [];
  private readonly iteration: Iteration;

  constructor(
    private readonly api: ApiClient,
    private readonly isRunning: () => boolean,
    private readonly log: Log,
    iteration?: Iteration,
  ) {
    this.iteration = iteration ?? ((vu, iter, wanted) => this.browseAndTrip(vu, iter, wanted));
  }

  set(wanted: number): void {
    const live = this.workers.filter((w) => !w.stop);
    for (let i = live.length; i < wanted; i++) {
      const self = { stop: false, done: Promise.resolve() };
      self.done = this.loop(this.workers.length, self).catch((error: unknown) => this.log(`virtual user failed: ${(error as Error).message}`));
      this.workers.push(self);
    }
    for (let i = live.length - 1; i >= wanted; i--) live[i]!.stop = true;
  }

  /** Stops every user (waiting up to `waitMs` for them), then cancels the trips they started. */
  async stop(waitMs: number): Promise<void> {
    this.set(0);
    await Promise.race([Promise.all(this.workers.map((w) => w.done)), sleep(waitMs)]);
    for (let i = 0; i < this.startedTrips.length; i += 20) {
      // A trip that already finished answers 409: nothing to cancel.
      await Promise.all(
        this.startedTrips
          .slice(i, i + 20)
          .map((id) => this.api.call('DELETE', `/trips/${encodeURIComponent(id)}`, { measure: false, accept: [404, 409] })),
      );
    }
  }

  private async loop(vu: number, self: { stop: boolean }): Promise<void> {
    const wanted = (): boolean => this.isRunning() && !self.stop;
    for (let iter = 0; wanted(); iter++) {
      await this.iteration(vu, iter, wanted);
      await sleep(1000);
    }
  }

  private async browseAndTrip(vu: number, iter: number, wanted: () => boolean): Promise<void> {
    const list = await this.api.call<RouteSummary[]>('GET', '/routes', { name: 'GET /routes' });
    const routes = Array.isArray(list.body) ? list.body : [];
    const route = routes[Math.floor(Math.random() * routes.length)];
    if (route) await this.api.call('GET', `/routes/${encodeURIComponent(route.id)}`, { name: 'GET /routes/:id' });
    const seeds = routes.filter((r) => r.source === 'seed');
    const tripRoute = seeds[Math.floor(Math.random() * seeds.length)] ?? route;
    if (tripRoute && Math.random() < 0.25 && wanted()) {
      const trip = await this.api.call<{ tripId?: string }>('POST', '/trips', {
        name: 'POST /trips',
        body: { routeId: tripRoute.id, vehicleId: `driver-${vu}-${iter}` },
      });
      if (trip.body?.tripId) {
        this.startedTrips.push(trip.body.tripId);
        await sleep(500);
        await this.api.call('GET', `/trips/${encodeURIComponent(trip.body.tripId)}`, { name: 'GET /trips/:id' });
      }
    }
  }
}

export async function runLoad(args: DriverArgs, slo: LoadedSlo, log: Log = (l) => process.stderr.write(`${l}\n`)): Promise<RunReport> {
  const api = new ApiClient(args.baseUrl);
  const profile = args.profile;
  const runSec = totalDuration(profile);
  log(`fleetlab load: ${profile.name} (${profile.description}), ${args.vehicles} vehicles at the peak, ${runSec} s, max ${profile.maxDurationSec} s`);
  log(`SLOs from ${slo.source}: api p99 < ${slo.slo.apiLatencyP99Ms} ms, errors < ${slo.slo.errorRate * 100} %, freshness p99 < ${slo.slo.freshnessP99Ms} ms`);
  const routeIds = await prepareTarget(api, args.baseUrl, log);

  const watcher = new FleetWatcher(args.baseUrl);
  await watcher.connected();

  // ---- the schedule, bounded by the profile's max duration and stopped by a signal --------------------------------
  const clock = new RunClock(profile.maxDurationSec, log);
  const fleets = new Fleets(api, watcher, routeIds, args.paceMs, clock.isRunning, clock.elapsed, log);
  const users = new VirtualUsers(api, clock.isRunning, log);

  const timeline: TimelinePoint[] = [];
  const chunk = fleetChunk(args.vehicles, MAX_FLEET_VEHICLES);
  let lastPositions = 0;
  let lastRequests = 0;
  let positionsAtFirstFleet = 0;
  for (const step of buildSchedule(profile, args.vehicles, 1)) {
    if (!(await clock.until(step.t))) break;
    users.set(step.vus);
    const active = fleets.active();
    for (const action of planFleets(active.map((f) => f.vehicles), step.vehicles, chunk, args.vehicles)) {
      if (action.kind === 'create') fleets.add(action.vehicles);
      else fleets.remove(active[action.index]!);
    }
    if (step.t > 0 && step.t % FLEET_POLL_EVERY_SEC === 0) fleets.poll();
    if (fleets.firstAt === undefined) positionsAtFirstFleet = watcher.positions;
    timeline.push({
      t: step.t,
      vus: step.vus,
      vehicles: fleets.vehiclesOnRoad(),
      positions: watcher.positions - lastPositions,
      requests: api.measuredRequests - lastRequests,
    });
    lastPositions = watcher.positions;
    lastRequests = api.measuredRequests;
  }
  const watchEnd = clock.elapsed();
  const delivered = watcher.positions - positionsAtFirstFleet;

  // ---- teardown: stop users, cancel everything this run started -------------------------------------------------------
  clock.finish();
  users.set(0);
  await fleets.cancelAll(65_000);
  await users.stop(15_000);
  watcher.close();

  const watchSec = fleets.firstAt === undefined ? 0 : Math.max(1, watchEnd - fleets.firstAt);
  return report({ args, slo, api, watcher, fleets, timeline, clock, endedAt: new Date(), delivered, watchSec });
}

/**
 * The verdict and everything measured, with the machine it ran on. The verdict is the SLOs' unless the run brings
 * its own (the capacity profile's checks); a run without a watcher delivered no positions.
 */
export function report(run: {
  args: DriverArgs;
  slo: LoadedSlo;
  api: ApiClient;
  watcher: FleetWatcher | undefined;
  fleets: Fleets;
  timeline: TimelinePoint[];
  clock: RunClock;
  endedAt: Date;
  delivered: number;
  watchSec: number;
  peakVehicles?: number;
  verdict?: { ok: boolean; checks: SloCheck[] };
  capacity?: CapacityReport;
}): RunReport {
  const { args, slo, api, watcher, fleets, timeline, delivered, watchSec } = run;
  const startedAt = run.clock.startedAt;
  const stoppedBy = run.clock.stoppedBy;
  const profile = args.profile;
  const overall = api.overall();
  const freshness = (watcher?.freshness ?? new MsHistogram()).summary();
  const verdict =
    run.verdict ??
    evaluateSlo(
      {
        apiRequests: overall.requests,
        apiErrors: overall.errors,
        apiLatencyP99Ms: overall.latency.percentile(99),
        positions: watcher?.positions ?? 0,
        freshnessP99Ms: freshness.p99,
      },
      slo.slo,
    );
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  return {
    startedAt: startedAt.toISOString(),
    endedAt: run.endedAt.toISOString(),
    durationSec: (run.endedAt.getTime() - startedAt.getTime()) / 1000,
    stoppedBy,
    machine: { cpu, cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.release()}` },
    target: args.baseUrl,
    profile: { name: profile.name, stages: profile.stages.map((s) => ({ ...s })), maxDurationSec: profile.maxDurationSec },
    vehicles: { peak: run.peakVehicles ?? args.vehicles, paceMs: args.paceMs, fleetsCreated: fleets.created, fleetsCancelled: fleets.cancelled, fleetErrors: fleets.errors },
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
    socket: { connectErrors: watcher?.connectErrors ?? 0, disconnects: watcher?.disconnects ?? 0 },
    checks: verdict.checks,
    ok: verdict.ok && stoppedBy === 'schedule',
    timeline,
    ...(run.capacity ? { capacity: run.capacity } : {}),
  };
}
