/**
 * `npm run bench`: drives a fleet through a fresh local lab and reports positions/s published, persisted and
 * delivered to a socket, p50/p99 latency from event time to socket delivery, and the simulator's RSS at peak.
 * Then, on the same broker with the fleet done, Kafka's own producer ceiling (producer-ceiling.ts): records/s of
 * ProducerPerformance with the simulator's message size and producer settings, and published/s as a share of it.
 * Options: --vehicles N (10000) --points N (60) --pace-ms N (1000) --telemetry on|off|both (on) --ceiling on|off (on)
 * --ceiling-records N (300000) --progress-ms N (the consumer's CONSUMER_PROGRESS_INTERVAL_MS; default its own).
 * Results go to bench-results/pipeline-<timestamp>.json and, as a table row, to stdout.
 */
import { io } from 'socket.io-client';
import { bestRate, type CeilingDetail, counter, loadAverageLine, machineLine, measureCeiling, percentile, rssMiB, sumsBy, withBenchLab, writeBenchReport, generateBenchRoutes } from './bench-common';
import { consoleProgress as progress } from './progress';

interface Options {
  vehicles: number;
  points: number;
  paceMs: number;
  telemetry: Array<boolean>;
  ceiling: boolean;
  ceilingRecords: number;
  /** CONSUMER_PROGRESS_INTERVAL_MS for the consumer; undefined: its default. */
  progressMs: number | undefined;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
  };
  const telemetry = value('telemetry', 'on');
  const ceiling = value('ceiling', 'on');
  if (ceiling !== 'on' && ceiling !== 'off') throw new Error(`--ceiling must be on or off, not ${ceiling}`);
  const ceilingRecords = Number(value('ceiling-records', '300000'));
  if (!Number.isInteger(ceilingRecords) || ceilingRecords < 1) throw new Error('--ceiling-records must be a positive integer');
  return {
    vehicles: Number(value('vehicles', '10000')),
    points: Number(value('points', '60')),
    paceMs: Number(value('pace-ms', '1000')),
    telemetry: telemetry === 'both' ? [true, false] : [telemetry !== 'off'],
    ceiling: ceiling === 'on',
    ceilingRecords,
    progressMs: argv.includes('--progress-ms') ? Number(value('progress-ms', '5000')) : undefined,
  };
}

export interface PipelineResult {
  telemetry: boolean;
  vehicles: number;
  points: number;
  paceMs: number;
  offeredPerSecond: number;
  peakActiveTrips: number;
  publishedPerSecond: number;
  persistedPerSecond: number;
  deliveredPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  simulatorPeakRssMiB: number;
  /** Consumer lag: the most positions published but not yet persisted at any sample, and at the end. */
  maxBacklog: number;
  finalBacklog: number;
  /** Seconds from the last position published to the last persisted (null if not all were persisted). */
  drainSeconds: number | null;
  /** Seconds the consumer spent in bulk writes, by collection, over the run. */
  consumerWriteSeconds: Record<string, number>;
  allPersisted: boolean;
  durationSeconds: number;
  /** ProducerPerformance records/s on the lab's broker; null with --ceiling off. */
  ceilingPerSecond: number | null;
  /** Record size of that run: the mean size of the simulator's position messages, key and headers included. */
  ceilingMessageBytes: number | null;
  /** publishedPerSecond / ceilingPerSecond; says something about the simulator only when it could not keep up (published below offered). */
  publishedShareOfCeiling: number | null;
  ceiling: CeilingDetail | null;
}

async function runOnce(options: Options, telemetry: boolean): Promise<PipelineResult> {
  const serviceEnv = options.progressMs === undefined ? undefined : { consumer: { CONSUMER_PROGRESS_INTERVAL_MS: String(options.progressMs) } };
  return withBenchLab({ telemetry, ...(serviceEnv ? { serviceEnv } : {}) }, async (lab) => {
    const { apiUrl, simulatorUrl, consumerUrl } = lab.endpoints;
    const socket = io(apiUrl, { transports: ['websocket'] });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const latencies: number[] = [];
    let delivered = 0;
    socket.on('positions', (batch: Array<{ ts: string }>) => {
      const now = Date.now();
      delivered += batch.length;
      for (const position of batch) latencies.push(now - Date.parse(position.ts));
    });
    await new Promise<void>((resolve) => socket.emit('subscribe-fleet', {}, () => resolve()));

    const expected = options.vehicles * options.points;
    progress.step(`fleet of ${options.vehicles} × ${options.points} points at ${options.paceMs} ms (telemetry ${telemetry ? 'on' : 'off'})`);
    // 100 generated routes shared round-robin: street-like variety without making route generation the benchmark.
    const routeIds = await generateBenchRoutes(apiUrl, options.points);
    const started = Date.now();
    const response = await fetch(`${apiUrl}/fleets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vehicles: options.vehicles, paceMs: options.paceMs, routeIds }),
    });
    if (response.status !== 202) throw new Error(`POST /fleets: ${response.status} ${await response.text()}`);

    let peakActive = 0;
    let peakRss = 0;
    const samples: Array<{ t: number; published: number; persisted: number; delivered: number }> = [];
    // Long enough for every trip to play out twice over; what is not persisted by then is reported, not waited for.
    const deadline = started + 60_000 + 2 * options.points * options.paceMs;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const [published, persisted, active] = await Promise.all([
        counter(simulatorUrl, 'fleetlab_simulator_positions_published_total'),
        counter(consumerUrl, 'fleetlab_consumer_positions_stored_total'),
        counter(simulatorUrl, 'fleetlab_simulator_active_trips'),
      ]);
      peakActive = Math.max(peakActive, active);
      peakRss = Math.max(peakRss, rssMiB(lab.servicePid('simulator')));
      samples.push({ t: Date.now(), published, persisted, delivered });
      progress.info(`t=${Math.round((Date.now() - started) / 1000)}s active ${active} published ${published} persisted ${persisted} delivered ${delivered}`);
      if (persisted >= expected && delivered >= expected) break;
      // Everything delivered and nothing moving into the database for 10 s: the rest would only measure the wait.
      const tenAgo = samples[samples.length - 11];
      if (delivered >= expected && tenAgo && tenAgo.persisted === persisted && persisted < expected) break;
      if (Date.now() > deadline) {
        progress.info('deadline reached before every position was persisted and delivered');
        break;
      }
    }
    socket.close();
    const rate = (key: 'published' | 'persisted' | 'delivered'): number => bestRate(samples, key);
    latencies.sort((a, b) => a - b);
    const last = samples[samples.length - 1]!;
    const publishedPerSecond = rate('published');
    const maxBacklog = Math.max(...samples.map((s) => s.published - s.persisted));
    const lastPublishedAt = samples.find((s) => s.published >= last.published)?.t ?? last.t;
    const allStoredAt = samples.find((s) => s.persisted >= expected)?.t;
    // After the fleet, so the two don't share the CPU; the lab stays up, so it is the same broker.
    const consumerWriteSeconds = await sumsBy(consumerUrl, 'fleetlab_consumer_write_duration_seconds', 'collection');
    const ceiling = options.ceiling ? await measureCeiling(lab, options.ceilingRecords) : null;
    const ceilingPerSecond = ceiling ? Math.round(ceiling.recordsPerSecond) : null;
    return {
      telemetry,
      vehicles: options.vehicles,
      points: options.points,
      paceMs: options.paceMs,
      offeredPerSecond: Math.round((options.vehicles * 1000) / options.paceMs),
      peakActiveTrips: peakActive,
      publishedPerSecond,
      persistedPerSecond: rate('persisted'),
      deliveredPerSecond: rate('delivered'),
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      simulatorPeakRssMiB: Math.round(peakRss),
      maxBacklog,
      finalBacklog: last.published - last.persisted,
      consumerWriteSeconds,
      drainSeconds: allStoredAt === undefined ? null : Math.max(0, Math.round((allStoredAt - lastPublishedAt) / 1000)),
      allPersisted: last.persisted >= expected,
      durationSeconds: Math.round((last.t - started) / 1000),
      ceilingPerSecond,
      ceilingMessageBytes: ceiling?.recordBytes ?? null,
      publishedShareOfCeiling: ceilingPerSecond ? Math.round((publishedPerSecond / ceilingPerSecond) * 1000) / 1000 : null,
      ceiling,
    };
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const machine = machineLine();
  const results: PipelineResult[] = [];
  for (const telemetry of options.telemetry) results.push(await runOnce(options, telemetry));
  const report = { date: new Date().toISOString(), machine, node: process.version, results };
  const file = writeBenchReport('pipeline', report);
  process.stdout.write(loadAverageLine());
  process.stdout.write('| telemetry | vehicles | offered/s | published/s | persisted/s | delivered/s | p50 ms | p99 ms | simulator RSS MiB | peak active | max backlog | drain s | all persisted | ceiling/s | message bytes | published/ceiling |\n');
  process.stdout.write('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n');
  for (const r of results) {
    process.stdout.write(
      `| ${r.telemetry ? 'on' : 'off'} | ${r.vehicles} | ${r.offeredPerSecond} | ${r.publishedPerSecond} | ${r.persistedPerSecond} | ${r.deliveredPerSecond} | ${r.latencyP50Ms} | ${r.latencyP99Ms} | ${r.simulatorPeakRssMiB} | ${r.peakActiveTrips} | ${r.maxBacklog} | ${r.drainSeconds ?? '–'} | ${r.allPersisted} | ${r.ceilingPerSecond ?? '–'} | ${r.ceilingMessageBytes ?? '–'} | ${r.publishedShareOfCeiling ?? '–'} |\n`,
    );
  }
  for (const r of results) {
    const writes = Object.entries(r.consumerWriteSeconds).map(([c, sec]) => `${c} ${sec.toFixed(1)} s`).join(', ');
    process.stdout.write(`consumer write time (telemetry ${r.telemetry ? 'on' : 'off'}): ${writes}\n`);
  }
  process.stdout.write(`\nfull results: ${file}\n`);
}

// `npm run bench -- reads`: the read endpoints at scale (bench-reads.ts); `npm run bench -- simulator`: the simulator
// alone against the broker (bench-simulator.ts).
if (process.argv[2] === 'reads') {
  void import('./bench-reads.js');
} else if (process.argv[2] === 'simulator') {
  void import('./bench-simulator.js');
} else {
  main().catch((error: Error) => {
    process.stderr.write(`fleetlab ✗ ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
