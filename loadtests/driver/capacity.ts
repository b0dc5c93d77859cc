/**
 * The capacity profile: does a full road stall the lab? Asks the api for its cap (GET /fleets/limits), fills the road
 * up to it with the largest fleets the api takes, then keeps asking for more every few seconds and expects each
 * request refused fast (429 with Retry-After); meanwhile virtual users time every read endpoint, and at the end the
 * fleets are cancelled with DELETE /fleets/:id, timed too. The same Fleets, VirtualUsers, clock and report as every
 * other profile; no socket watcher (positions are not what is measured, and the driver shares the lab's CPU).
 */
import { FleetLimits, TripList } from '@fleetlab/contracts';
import { buildSchedule } from '../lib/schedule.ts';
import type { LoadedSlo } from '../lib/slo.ts';
import { totalDuration } from '../lib/profiles.ts';
import { ApiClient } from './api-client.ts';
import type { DriverArgs } from './args.ts';
import { beyondCapVehicles, judgeAttempt, judgeCapacity, planFill, readProbes, type ReadTargets } from './capacity-plan.ts';
import type { BeyondCapAttempt, RunReport, TimelinePoint } from './report.ts';
import { Fleets, prepareTarget, report, RunClock, TargetRefused, VirtualUsers, type Log } from './run.ts';

/** Seconds between attempts beyond the cap. */
const BEYOND_CAP_EVERY_SEC = 5;
/** Trip ids remembered from list answers, for GET /trips/:id and /positions. */
const KNOWN_TRIPS = 500;

async function readLimits(api: ApiClient, measure: boolean): Promise<FleetLimits | undefined> {
  const res = await api.call<unknown>('GET', '/fleets/limits', { name: 'GET /fleets/limits', measure });
  const parsed = FleetLimits.safeParse(res.body);
  return res.ok && parsed.success ? parsed.data : undefined;
}

export async function runCapacity(args: DriverArgs, slo: LoadedSlo, log: Log = (l) => process.stderr.write(`${l}\n`)): Promise<RunReport> {
  const api = new ApiClient(args.baseUrl);
  const profile = args.profile;
  const readsP99Ms = args.readsP99Ms ?? slo.slo.apiLatencyP99Ms;
  log(`fleetlab load: ${profile.name} (${profile.description}), ${totalDuration(profile)} s, max ${profile.maxDurationSec} s`);
  const routeIds = await prepareTarget(api, args.baseUrl, log);
  const limits = await readLimits(api, false);
  if (!limits) throw new TargetRefused(`GET ${args.baseUrl}/fleets/limits gave no caps: the api is older than the capacity profile`);
  const plan = planFill(limits, args.fleetVehicles);
  const { limit } = limits.vehiclesOnRoad;
  log(
    `cap ${limits.vehiclesOnRoad.name} = ${limit}, ${plan.onRoadBefore} on the road: ` +
      `filling ${plan.room} with ${plan.fleets.length} fleet(s) of up to ${plan.fleets[0] ?? 0} at ${args.paceMs} ms a point; ` +
      `reads held to p99 ≤ ${readsP99Ms} ms`,
  );

  const clock = new RunClock(profile.maxDurationSec, log);
  const fleets = new Fleets(api, undefined, routeIds, args.paceMs, clock.isRunning, clock.elapsed, log);
  const fillStates = plan.fleets.map((vehicles) => {
    fleets.add(vehicles);
    return fleets.all[fleets.all.length - 1]!;
  });
  const tripIds: string[] = [];
  const targets = (): ReadTargets => ({
    fleets: fleets.active().flatMap((f) => (f.id ? [{ id: f.id, vehicles: f.vehicles }] : [])),
    tripIds,
    routeIds,
  });
  const users = new VirtualUsers(api, clock.isRunning, log, async (vu, iter, wanted) => {
    for (const probe of readProbes(targets(), vu * 10_000 + iter)) {
      if (!wanted()) return;
      const res = await api.call<unknown>('GET', probe.path, { name: probe.name });
      const list = TripList.safeParse(res.body);
      if (!list.success) continue;
      for (const trip of list.data.items) if (!tripIds.includes(trip.tripId)) tripIds.push(trip.tripId);
      if (tripIds.length > KNOWN_TRIPS) tripIds.splice(0, tripIds.length - KNOWN_TRIPS);
    }
  });

  const beyondCap: BeyondCapAttempt[] = [];
  let attempting = false;
  const attempt = async (): Promise<void> => {
    await fleets.settled();
    const now = await readLimits(api, true);
    const vehicles = now && beyondCapVehicles(beyondCap.length, now);
    if (!now || vehicles === undefined || !clock.isRunning()) return;
    const t = clock.elapsed();
    const started = performance.now();
    const res = await fleets.attempt(vehicles, 'POST /fleets beyond the cap');
    const retryAfter = res.headers?.get('retry-after') ?? undefined;
    const verdict = judgeAttempt({ status: res.status, retryAfter, capName: res.body?.cap?.name });
    beyondCap.push({ t, vehicles, onRoad: now.vehiclesOnRoad.current, status: res.status, retryAfter, ms: performance.now() - started, ...verdict });
    if (!verdict.ok) log(`beyond the cap, ${vehicles} vehicles: ${verdict.why}`);
  };

  const timeline: TimelinePoint[] = [];
  let lastRequests = 0;
  for (const step of buildSchedule(profile, 0, 1)) {
    if (!(await clock.until(step.t))) break;
    users.set(step.vus);
    if (!attempting && step.t % BEYOND_CAP_EVERY_SEC === 0 && step.vus > 0) {
      attempting = true;
      void attempt()
        .catch((error: unknown) => log(`attempt beyond the cap failed: ${(error as Error).message}`))
        .finally(() => (attempting = false));
    }
    timeline.push({ t: step.t, vus: step.vus, vehicles: fleets.vehiclesOnRoad(), positions: 0, requests: api.measuredRequests - lastRequests });
    lastRequests = api.measuredRequests;
  }

  // ---- teardown: stop the readers, then cancel every fleet, timed: DELETE /fleets/:id of a full fleet is a read too --
  clock.finish();
  await users.stop(30_000);
  await fleets.cancelAll(65_000, true);

  const endpoints = new Map([...api.endpoints].map(([name, s]) => [name, { ...s.latency.summary(), errors: s.errors }]));
  const fill = fillStates.map((f) => ({ vehicles: f.vehicles, status: f.status ?? 0 }));
  const verdict = judgeCapacity({ plan, limit, fill, beyondCap, endpoints, readsP99Ms });
  return report({
    args,
    slo,
    api,
    watcher: undefined,
    fleets,
    timeline,
    clock,
    endedAt: new Date(),
    delivered: 0,
    watchSec: 0,
    peakVehicles: plan.room,
    verdict,
    capacity: {
      cap: { name: limits.vehiclesOnRoad.name, limit, onRoadBefore: plan.onRoadBefore, maxFleetVehicles: limits.maxFleetVehicles },
      readsP99Ms,
      fill,
      beyondCap,
      reads: verdict.reads,
    },
  });
}
