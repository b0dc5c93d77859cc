/**
 * Kafka's own producer ceiling beside the pipeline benchmark: Apache Kafka's ProducerPerformance tool, run against
 * the lab's broker with records the size of the simulator's and producer settings mirroring the simulator's, so the
 * positions/s the simulator publishes can be read as a share of what a producer gets through that broker at all.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { Kafka, logLevel, type IHeaders, type KafkaMessage } from 'kafkajs';
import type { Installed } from './install';
import { localDir } from './paths';
import type { Progress } from './progress';

/** The final line of ProducerPerformance, the whole run. */
export interface ProducerPerformanceSummary {
  records: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

// Stats.printTotal in kafka-tools 4.1.1: "%d records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency,
// %.2f ms max latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th." The 5-second progress lines stop after
// "max latency." and so never match.
const summaryLine =
  /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/;

/** The summary of a ProducerPerformance run from its output; throws, quoting the output's end, if there is none. */
export function parseProducerPerformanceSummary(output: string): ProducerPerformanceSummary {
  const lines = output.split('\n').map((line) => line.trim());
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const match = summaryLine.exec(lines[i]!);
    if (!match) continue;
    const [records, recordsPerSecond, mbPerSecond, avgLatencyMs, maxLatencyMs, p50Ms, p95Ms, p99Ms, p999Ms] = match
      .slice(1)
      .map(Number) as [number, number, number, number, number, number, number, number, number];
    return { records, recordsPerSecond, mbPerSecond, avgLatencyMs, maxLatencyMs, p50Ms, p95Ms, p99Ms, p999Ms };
  }
  const tail = lines.filter(Boolean).slice(-5).join(' | ');
  throw new Error(`no ProducerPerformance summary line in its output${tail ? `; it ended with: ${tail}` : ''}`);
}

/** Bytes a message carries: key, value, and every header's name and value. */
export function messageBytes(message: Pick<KafkaMessage, 'key' | 'value' | 'headers'>): number {
  let bytes = (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const [name, value] of Object.entries(message.headers ?? ({} as IHeaders))) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      bytes += Buffer.byteLength(name) + (typeof item === 'string' ? Buffer.byteLength(item) : item.length);
    }
  }
  return bytes;
}

export interface TopicSample {
  partitions: number;
  sampled: number;
  /** Mean of messageBytes over the sample. */
  meanMessageBytes: number;
  meanValueBytes: number;
}

/** Reads up to `limit` messages of `topic` from the start of its partitions, with a group of its own. */
export async function sampleTopic(brokers: string[], topic: string, limit: number, timeoutMs = 60_000): Promise<TopicSample> {
  const kafka = new Kafka({ clientId: 'fleetlab-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let offsets: Array<{ partition: number; low: string; high: string }>;
  try {
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const available = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  const target = Math.min(limit, available);
  if (target === 0) throw new Error(`${topic} holds no messages to measure`);
  const consumer = kafka.consumer({ groupId: `fleetlab-bench-sample-${process.pid}-${Date.now()}` });
  let total = 0;
  let values = 0;
  let sampled = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${sampled} of ${target} messages of ${topic} in ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              if (sampled >= target) break;
              sampled += 1;
              total += messageBytes(message);
              values += message.value?.length ?? 0;
            }
            if (sampled >= target) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { partitions: offsets.length, sampled, meanMessageBytes: total / sampled, meanValueBytes: values / sampled };
}

/** Creates `topic`; fails if it exists already, since a ceiling measured on a used topic is not comparable. */
export async function createTopic(brokers: string[], topic: string, partitions: number): Promise<void> {
  const kafka = new Kafka({ clientId: 'fleetlab-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
    if (!created) throw new Error(`topic ${topic} exists already`);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The simulator's producer as ProducerPerformance can mirror it (services/simulator: position-publisher.ts sends
 * with acks -1; config.ts MAX_BATCH_MESSAGES 5000 and MAX_PENDING_MESSAGES 100000 by default; main.ts builds a
 * kafkajs producer with no compression and no idempotence).
 * What matches:
 * - acks=all: the publisher counts a position published once every in-sync replica has it.
 * - compression.type=none, enable.idempotence=false: kafkajs' defaults, which the simulator keeps. Java would turn
 *   idempotence on by itself with acks=all.
 * - max.in.flight.requests.per.connection=1 and linger.ms=0: the publisher has one send in flight and sends what
 *   queued meanwhile the moment it is acknowledged, without a timer; the Java accumulator does the same with these.
 * - max.request.size: one send carries up to MAX_BATCH_MESSAGES records, more than the 1 MiB Java default allows.
 * - batch.size: such a send split over the partitions, the most one partition's record batch holds in one request.
 * - buffer.memory: MAX_PENDING_MESSAGES records waiting, where the simulator stops collecting (backpressure).
 * What cannot match:
 * - keys and headers: ProducerPerformance sends a value only, so its record size is the simulator's whole message
 *   (key, value, headers) to move the same bytes per record.
 * - partitioning: the simulator's records are keyed by trip and spread by murmur2 over every partition in each send;
 *   keyless records go to one partition until its batch is full (the sticky partitioner).
 * - the client itself: kafkajs encodes in one JavaScript thread, the Java producer in its own I/O thread. That gap is
 *   part of what the ceiling shows.
 */
export function simulatorProducerProps(options: { brokers: string[]; partitions: number; recordBytes: number }): string[] {
  const maxBatchMessages = 5_000;
  const maxPendingMessages = 100_000;
  // A v2 record adds up to ~20 bytes of lengths, deltas and attributes to its key, value and headers.
  const perRecord = options.recordBytes + 20;
  return [
    `bootstrap.servers=${options.brokers.join(',')}`,
    'client.id=fleetlab-bench-ceiling',
    'acks=all',
    'compression.type=none',
    'enable.idempotence=false',
    'max.in.flight.requests.per.connection=1',
    'linger.ms=0',
    `batch.size=${Math.ceil(maxBatchMessages / options.partitions) * perRecord}`,
    `max.request.size=${Math.max(1_048_576, maxBatchMessages * perRecord + 1_024)}`,
    `buffer.memory=${Math.max(33_554_432, maxPendingMessages * perRecord)}`,
  ];
}

export interface CeilingRun {
  installed: Installed;
  brokers: string[];
  topic: string;
  partitions: number;
  recordBytes: number;
  records: number;
  progress: Progress;
  timeoutMs?: number;
}

/** Runs ProducerPerformance to completion, its progress lines passed on, and returns its summary. */
export async function runProducerPerformance(run: CeilingRun): Promise<ProducerPerformanceSummary> {
  const args = [
    '-Xms256m',
    '-Xmx512m',
    // The tool formats its numbers in the default locale; a decimal comma would not parse.
    '-Duser.language=en',
    '-Duser.country=US',
    // The broker's logging config: warnings only, so the output is the tool's own lines.
    `-Dlog4j2.configurationFile=${join(localDir, 'config', 'kafka-log4j2.yaml')}`,
    '-cp',
    run.installed.kafkaClasspath,
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    run.topic,
    '--num-records',
    String(run.records),
    '--record-size',
    String(run.recordBytes),
    '--throughput',
    '-1',
    '--producer-props',
    ...simulatorProducerProps(run),
  ];
  const child = spawn(run.installed.java, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (line: string): void => {
    output.push(line);
    if (line.trim()) run.progress.info(`ceiling: ${line.trim()}`);
  };
  createInterface({ input: child.stdout }).on('line', collect);
  createInterface({ input: child.stderr }).on('line', collect);
  const timeoutMs = run.timeoutMs ?? 600_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (status) => resolve(status));
    });
    if (timedOut) throw new Error(`ProducerPerformance did not finish ${run.records} records in ${timeoutMs} ms`);
    if (code !== 0) {
      throw new Error(`ProducerPerformance exited with status ${code}: ${output.filter(Boolean).slice(-5).join(' | ')}`);
    }
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  return parseProducerPerformanceSummary(output.join('\n'));
}
