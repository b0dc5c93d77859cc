/**
 * `npm run bench -- simulator`: the simulator alone against the broker. Starts a fresh local lab, generates 100 routes,
 * plays one short warm-up fleet so the simulator holds every route in its cache, then stops the api and the consumer
 * and writes the directions of a fleet straight to `route.new-direction`, traced as the api traces a fleet's (its first
 * 10 trips): what remains on the CPU is Kafka and the simulator. It reports the positions/s the simulator published (best 10 s), the CPU it used, and Kafka's producer
 * ceiling measured on the same broker right after (bench-common.ts), so published/ceiling isolates the simulator.
 * Options: --vehicles N (10000) --points N (30) --pace-ms N (200: 50,000 positions/s offered) --telemetry on|off (on)
 * --batch N (the simulator's MAX_BATCH_MESSAGES; default its own) --ceiling-records N (300000).
 * Results go to bench-results/simulator-<timestamp>.json and, as a table row, to stdout.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { Topics, type NewDirection } from '@fleetlab/contracts';
import { bestRate, type CeilingDetail, counter, cpuSeconds, loadAverageLine, machineLine, measureCeiling, optionReader, peakRate, rssMiB, withBenchLab, writeBenchReport, generateBenchRoutes } from './bench-common';
import { consoleProgress as progress } from './progress';

interface Options {
  vehicles: number;
  points: number;
  paceMs: number;
  telemetry: boolean;
  batch: number | undefined;
  ceilingRecords: number;
}

function parseOptions(argv: string[]): Options {
  const { value, int } = optionReader(argv);
  const telemetry = value('telemetry', 'on');
  if (telemetry !== 'on' && telemetry !== 'off') throw new Error(`--telemetry must be on or off, not ${telemetry}`);
  return {
    vehicles: int('vehicles', 10_000),
    points: int('points', 30),
    paceMs: int('pace-ms', 200),
    telemetry: telemetry === 'on',
    batch: argv.includes('--batch') ? int('batch', 5_000) : undefined,
    ceilingRecords: int('ceiling-records', 300_000),
  };
}

interface SimulatorResult {
  telemetry: boolean;
  vehicles: number;
  points: number;
  paceMs: number;
  maxBatchMessages: number | 'default';
  offeredPerSecond: number;
  publishedPerSecond: number;
  /** The simulator's CPU over the busiest 10 s, in cores (1 = one core busy all the time). */
  simulatorCores: number;
  simulatorPeakRssMiB: number;
  peakActiveTrips: number;
  allPublished: boolean;
  durationSeconds: number;
  ceilingPerSecond: number;
  publishedShareOfCeiling: number;
  ceiling: CeilingDetail;
}

/** Trips of the fleet that are traced, as the api's FLEET_TRACED_TRIPS default. */
const TRACED_TRIPS = 10;
const PUBLISHED = 'fleetlab_simulator_positions_published_total';
const ACTIVE = 'fleetlab_simulator_active_trips';

async function waitForIdle(simulatorUrl: string, published: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const [done, active] = await Promise.all([counter(simulatorUrl, PUBLISHED), counter(simulatorUrl, ACTIVE)]);
    if (done >= published && active === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the warm-up fleet did not finish within 120 s (${published} positions expected)`);
}

async function run(options: Options): Promise<SimulatorResult> {
  const serviceEnv = options.batch === undefined ? undefined : { simulator: { MAX_BATCH_MESSAGES: String(options.batch) } };
  return withBenchLab({ telemetry: options.telemetry, ...(serviceEnv ? { serviceEnv } : {}) }, async (lab) => {
    const { apiUrl, simulatorUrl, kafkaBrokers } = lab.endpoints;
    const routeIds = await generateBenchRoutes(apiUrl, options.points);

    // One vehicle per route, fast: the simulator fetches and caches every route from the api now, not during the run.
    progress.step('warm-up: one fast trip per route, so the simulator has every route cached');
    const warmUp = await fetch(`${apiUrl}/fleets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vehicles: routeIds.length, paceMs: 10, routeIds }),
    });
    if (warmUp.status !== 202) throw new Error(`POST /fleets: ${warmUp.status} ${await warmUp.text()}`);
    await waitForIdle(simulatorUrl, routeIds.length * options.points);
    progress.step('stopping the api and the consumer: the simulator and Kafka alone from here');
    await lab.holdDown('api');
    await lab.holdDown('consumer');

    const kafka = new Kafka({ clientId: 'fleetlab-bench', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const base = await counter(simulatorUrl, PUBLISHED);
    const expected = options.vehicles * options.points;
    const runId = Date.now().toString(36);
    progress.step(`directions of ${options.vehicles} trips × ${options.points} points at ${options.paceMs} ms straight to ${Topics.newDirection}`);
    const started = Date.now();
    for (let from = 0; from < options.vehicles; from += 1_000) {
      const messages = [];
      for (let i = from; i < Math.min(options.vehicles, from + 1_000); i += 1) {
        const direction: NewDirection = {
          clientId: '',
          routeId: routeIds[i % routeIds.length]!,
          tripId: `simbench-${runId}-${i}`,
          vehicleId: `simbench-${runId}-v${i}`,
          paceMs: options.paceMs,
        };
        // As the api sends a fleet (docs/telemetry.md): its first FLEET_TRACED_TRIPS trips start a trace, the others
        // carry an unsampled context, so the simulator records nothing for them.
        const headers = i < TRACED_TRIPS ? undefined : { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00` };
        messages.push({ key: direction.tripId, value: JSON.stringify(direction), ...(headers ? { headers } : {}) });
      }
      await producer.send({ topic: Topics.newDirection, acks: -1, messages });
    }
    await producer.disconnect();

    const pid = lab.servicePid('simulator');
    const samples: Array<{ t: number; published: number; cpu: number }> = [];
    let peakActive = 0;
    let peakRss = 0;
    const deadline = started + 60_000 + 2 * options.points * options.paceMs;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const [published, active] = await Promise.all([counter(simulatorUrl, PUBLISHED), counter(simulatorUrl, ACTIVE)]);
      peakActive = Math.max(peakActive, active);
      peakRss = Math.max(peakRss, rssMiB(pid));
      samples.push({ t: Date.now(), published: published - base, cpu: cpuSeconds(pid) });
      progress.info(`t=${Math.round((Date.now() - started) / 1000)}s active ${active} published ${published - base}/${expected}`);
      if (published - base >= expected) break;
      if (Date.now() > deadline) {
        progress.info('deadline reached before every position was published');
        break;
      }
    }
    const last = samples[samples.length - 1]!;
    const publishedPerSecond = bestRate(samples, 'published');
    const ceiling = await measureCeiling(lab, options.ceilingRecords);
    const ceilingPerSecond = Math.round(ceiling.recordsPerSecond);
    return {
      telemetry: options.telemetry,
      vehicles: options.vehicles,
      points: options.points,
      paceMs: options.paceMs,
      maxBatchMessages: options.batch ?? 'default',
      offeredPerSecond: Math.round((options.vehicles * 1000) / options.paceMs),
      publishedPerSecond,
      simulatorCores: Math.round(peakRate(samples, 'cpu') * 100) / 100,
      simulatorPeakRssMiB: Math.round(peakRss),
      peakActiveTrips: peakActive,
      allPublished: last.published >= expected,
      durationSeconds: Math.round((last.t - started) / 1000),
      ceilingPerSecond,
      publishedShareOfCeiling: Math.round((publishedPerSecond / ceilingPerSecond) * 1000) / 1000,
      ceiling,
    };
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(3));
  const machine = machineLine();
  const result = await run(options);
  const report = { date: new Date().toISOString(), machine, node: process.version, loadAverage: loadavg(), result };
  const file = writeBenchReport('simulator', report);
  const r = result;
  process.stdout.write(loadAverageLine());
  process.stdout.write('| telemetry | batch | vehicles | offered/s | published/s | simulator cores | RSS MiB | all published | ceiling/s | message bytes | published/ceiling |\n');
  process.stdout.write('|---|---|---|---|---|---|---|---|---|---|---|\n');
  process.stdout.write(
    `| ${r.telemetry ? 'on' : 'off'} | ${r.maxBatchMessages} | ${r.vehicles} | ${r.offeredPerSecond} | ${r.publishedPerSecond} | ${r.simulatorCores} | ${r.simulatorPeakRssMiB} | ${r.allPublished} | ${r.ceilingPerSecond} | ${r.ceiling.recordBytes} | ${r.publishedShareOfCeiling} |\n`,
  );
  process.stdout.write(`\nfull results: ${file}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`fleetlab ✗ ${error.stack ?? error.message}\n`);
  process.exit(1);
});
