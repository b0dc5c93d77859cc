/**
 * What the benchmarks share: reading the services' Prometheus counters, rates over sampled counters, percentiles, a
 * process's RSS and CPU time, the machine line every result carries, and Kafka's producer ceiling on a lab's broker.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { GeneratedRoutes, Topics } from '@fleetlab/contracts';
import { freeLabPorts, Lab, type LabOptions } from './lab';
import { repoRoot } from './paths';
import { createTopic, runProducerPerformance, sampleTopic, type ProducerPerformanceSummary } from './producer-ceiling';
import { consoleProgress as progress } from './progress';

/** `--name value` options of a bench command line. */
export function optionReader(argv: string[]): { value(name: string, fallback: string): string; int(name: string, fallback: number): number } {
  const value = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
  };
  const int = (name: string, fallback: number): number => {
    const n = Number(value(name, String(fallback)));
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  return { value, int };
}

/** The sum of every series of a counter or gauge in a Prometheus text exposition. */
export function sumSeries(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

/** A metric of a service, summed over its series, from its `/metrics`. */
export async function counter(url: string, name: string): Promise<number> {
  return sumSeries(await (await fetch(`${url}/metrics`)).text(), name);
}

/** Sums of a histogram's `_sum` series by one label's value. */
export async function sumsBy(url: string, name: string, label: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_sum{`)) continue;
    const value = new RegExp(`${label}="([^"]*)"`).exec(line)?.[1] ?? '';
    out[value] = (out[value] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The highest rate per second of a sampled counter over any window of `windowMs` (`t` in milliseconds): a run's
 * ramp-up and tail don't count against its steady throughput. A run shorter than one window is taken whole.
 */
export function peakRate<K extends string>(samples: Array<{ t: number } & Record<K, number>>, key: K, windowMs = 10_000): number {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last.t <= first.t) return 0;
  const window = Math.min(windowMs, last.t - first.t);
  let best = 0;
  for (let i = 0; i < samples.length; i += 1) {
    const j = samples.findIndex((s) => s.t >= samples[i]!.t + window);
    if (j < 0) break;
    best = Math.max(best, ((samples[j]![key] - samples[i]![key]) * 1000) / (samples[j]!.t - samples[i]!.t));
  }
  return best;
}

/** `peakRate`, rounded to a whole number per second. */
export function bestRate<K extends string>(samples: Array<{ t: number } & Record<K, number>>, key: K, windowMs = 10_000): number {
  return Math.round(peakRate(samples, key, windowMs));
}

export function rssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** CPU seconds (user + system) a process has used, from `/proc/<pid>/stat`; 0 if it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** A fresh lab on free ports in a folder of its own, started, given to `run`, then stopped and removed. */
export async function withBenchLab<T>(options: Pick<LabOptions, 'telemetry' | 'serviceEnv'>, run: (lab: Lab) => Promise<T>): Promise<T> {
  const runDir = mkdtempSync(join(tmpdir(), 'fleetlab-bench-'));
  const lab = new Lab({ runDir, progress, logLevel: 'warn', ports: await freeLabPorts(), ...options });
  try {
    await lab.start();
    return await run(lab);
  } finally {
    await lab.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * Writes a bench's JSON to bench-results/<kind>-<date>.json and its heading line to stdout; returns the file.
 * `heading` is added to the date, machine and Node version.
 */
export function writeBenchReport(kind: string, report: { date: string; machine: string }, heading = ''): string {
  const dir = join(repoRoot, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${kind}-${report.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${report.date} · ${report.machine} · Node ${process.version}${heading}\n`);
  return file;
}

/** 100 generated routes of `points` points (seed 4242: the same routes every run); their ids. */
export async function generateBenchRoutes(apiUrl: string, points: number): Promise<string[]> {
  const generated = await fetch(`${apiUrl}/routes/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ seed: 4242, count: 100, points }),
  });
  if (generated.status !== 201) throw new Error(`POST /routes/generate: ${generated.status} ${await generated.text()}`);
  return GeneratedRoutes.parse(await generated.json()).routes.map((r) => r.id);
}

/** The load average now, as the benches print it at their end. */
export function loadAverageLine(): string {
  return `load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`;
}

export function machineLine(): string {
  return `${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`;
}

export interface CeilingDetail extends ProducerPerformanceSummary {
  topic: string;
  partitions: number;
  /** --record-size: the mean position message, rounded. */
  recordBytes: number;
  /** Position messages the size was measured on, and their mean value size alone. */
  sampledMessages: number;
  meanValueBytes: number;
}

/** Messages of the positions topic read to measure their size. */
const SIZE_SAMPLE = 10_000;

/** Kafka's ProducerPerformance on the lab's broker, with records the mean size of the positions the simulator sent. */
export async function measureCeiling(lab: Lab, records: number): Promise<CeilingDetail> {
  const installed = lab.installedInfrastructure;
  if (!installed) throw new Error('the lab is not started');
  const brokers = lab.endpoints.kafkaBrokers;
  progress.step(`producer ceiling: measuring ${Topics.newPosition} messages`);
  const sample = await sampleTopic(brokers, Topics.newPosition, SIZE_SAMPLE);
  const recordBytes = Math.round(sample.meanMessageBytes);
  progress.info(
    `${sample.sampled} messages: ${recordBytes} bytes each on average (value ${Math.round(sample.meanValueBytes)}), ${sample.partitions} partitions`,
  );
  const topic = 'bench.producer-ceiling';
  await createTopic(brokers, topic, sample.partitions);
  progress.step(`producer ceiling: ProducerPerformance, ${records} records of ${recordBytes} bytes to ${topic}`);
  const summary = await runProducerPerformance({ installed, brokers, topic, partitions: sample.partitions, recordBytes, records, progress });
  progress.done(`producer ceiling ${Math.round(summary.recordsPerSecond)} records/s (${summary.mbPerSecond} MB/s), p99 ${summary.p99Ms} ms`);
  return { ...summary, topic, partitions: sample.partitions, recordBytes, sampledMessages: sample.sampled, meanValueBytes: Math.round(sample.meanValueBytes) };
}
