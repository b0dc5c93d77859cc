import {
  Kafka,
  logLevel,
  type Consumer,
  type IHeaders,
  type KafkaMessage,
  type Producer,
  type LogEntry,
} from 'kafkajs';
import type { z } from 'zod';
import { AllTopics, DlqHeaders, dlqTopic, parseMessage } from '@fleetlab/contracts';
import { context, trace, SpanKind, SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import { extractMessageContext, kafkaAttributes, traceHeaders, type KafkaMetrics, type Logger } from '@fleetlab/telemetry';

const tracer = trace.getTracer('@fleetlab/runtime');

export type { Consumer, Producer, Kafka, KafkaMessage, IHeaders } from 'kafkajs';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own logs go through the service's pino logger. */
export function createKafka(options: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 10 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[levels[level] ?? 'info'](rest, message);
      },
  });
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** Copies of each partition; 1 by default (one broker in both labs). */
  replicationFactor?: number;
}

/**
 * The one decision of how fleetlab's topics are made: every contract topic and its DLQ, with the partitions and
 * replication of the config (KAFKA_PARTITIONS, KAFKA_REPLICATION_FACTOR). Every service ensures them at start, so
 * each one can start alone, and they all create the same topics.
 */
export function fleetlabTopics(config: { KAFKA_PARTITIONS: number; KAFKA_REPLICATION_FACTOR: number }): TopicSpec[] {
  return AllTopics.map((topic) => ({ topic, numPartitions: config.KAFKA_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR }));
}

/** Creates the topics that are missing; a topic that exists is left as it is. Safe to call from every service. */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      // Two services racing to create the same topic is fine: the loser gets TOPIC_ALREADY_EXISTS, which kafkajs ignores.
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({ topic: s.topic, numPartitions: s.numPartitions, replicationFactor: s.replicationFactor ?? 1 })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

export interface ValidMessage<T> {
  value: T;
  /** The original bytes, so a message rejected later (an unknown route, say) is dead-lettered exactly as it came. */
  raw: Buffer | null;
  key: string | null;
  partition: number;
  offset: string;
  headers: IHeaders;
  /** Broker timestamp, milliseconds since the epoch. */
  timestamp: number;
  /**
   * The context of this message's `process <topic>` span, a child of the context it was produced in. Work done for
   * this one message (a socket emit, a trip's write) starts its spans here to join the message's trace.
   */
  context: Context;
}

export interface Rejected {
  key: Buffer | string | null;
  value: Buffer | null;
  headers: IHeaders;
  partition: number;
  offset: string;
  reason: string;
}

/**
 * Sends rejected messages to `<topic>.dlq`: the original key, bytes and headers (trace context among them), plus
 * the reason and where the message came from. Resolves once Kafka has acknowledged them.
 */
export async function deadLetter(
  producer: Pick<Producer, 'send'>,
  options: { topic: string; groupId: string; metrics: KafkaMetrics; logger: Logger },
  rejected: Rejected[],
): Promise<void> {
  if (rejected.length === 0) return;
  const { topic, groupId, metrics, logger } = options;
  await producer.send({
    topic: dlqTopic(topic),
    acks: -1,
    messages: rejected.map((r) => ({
      key: r.key,
      value: r.value,
      headers: {
        ...r.headers,
        [DlqHeaders.reason]: r.reason,
        [DlqHeaders.sourceTopic]: topic,
        [DlqHeaders.sourcePartition]: String(r.partition),
        [DlqHeaders.sourceOffset]: r.offset,
        [DlqHeaders.consumerGroup]: groupId,
      },
    })),
  });
  metrics.deadLettered.inc({ topic, group: groupId }, rejected.length);
  for (const r of rejected) {
    logger.warn({ topic, partition: r.partition, offset: r.offset, reason: r.reason }, 'message dead-lettered');
  }
}

export interface ValidatingConsumerOptions<S extends z.ZodTypeAny> {
  kafka: Kafka;
  groupId: string;
  topic: string;
  schema: S;
  /** The producer that sends invalid messages to `<topic>.dlq`. */
  dlqProducer: Producer;
  logger: Logger;
  metrics: KafkaMetrics;
  fromBeginning?: boolean;
  partitionsConsumedConcurrently?: number;
  /**
   * How long the consumer may crash and restart without getting back into its group before the service stops
   * reporting itself live (DEFAULT_LIVENESS_GRACE_MS): long enough for a broker restart, short enough that a
   * path that stays broken gets the process restarted.
   */
  livenessGraceMs?: number;
  now?(): number;
  /**
   * Handles the valid messages of one fetched batch, in partition order. Offsets are committed only after it
   * resolves, so a crash redelivers the batch: handlers must be idempotent.
   */
  handleBatch(messages: ValidMessage<z.infer<S>>[], partition: number): Promise<void>;
  /**
   * 'batch' (default): a batch's offsets are committed once it is handled. 'owner': nothing is committed here; the
   * owner commits with `commit()` when what the messages started is done (the simulator, once a direction's trip
   * is played out), and learns through `handled` how far each partition has been handled.
   */
  commit?: 'batch' | 'owner';
  /** Every message of the partition up to `lastOffset` is handled (valid ones by handleBatch, invalid dead-lettered). */
  handled?(partition: number, lastOffset: string): void;
}

/** See ValidatingConsumerOptions.livenessGraceMs. */
export const DEFAULT_LIVENESS_GRACE_MS = 60_000;

/**
 * A consumer that validates every message: invalid ones go to `<topic>.dlq` with the reason in a header (and the
 * original headers, trace context among them) and are committed past; valid ones reach the handler. At least once.
 */
export class ValidatingConsumer<S extends z.ZodTypeAny> {
  private readonly consumer: Consumer;
  private running = false;
  private joined = false;
  /** The partitions of the topic this member owns since it last joined its group. */
  private assigned = new Set<number>();
  /** kafkajs stopped restarting it: only a new process brings it back. */
  private crashed: Error | undefined;
  /** The first crash since the consumer was last in its group, and the latest one; cleared on joining. */
  private crashingSince: number | undefined;
  private lastCrash: Error | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ValidatingConsumerOptions<S>) {
    this.now = options.now ?? Date.now;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 100,
    });
    const { GROUP_JOIN, REBALANCING, STOP, DISCONNECT } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (event) => {
      this.assigned = new Set(event.payload?.memberAssignment?.[options.topic] ?? []);
      this.joined = true;
      this.crashingSince = undefined;
      this.lastCrash = undefined;
    });
    // While rebalancing, stopped or crashed (kafkajs rejoins by itself after a retriable crash) no partition is owned.
    for (const event of [REBALANCING, STOP, DISCONNECT] as const) {
      this.consumer.on(event, () => {
        this.joined = false;
      });
    }
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.joined = false;
      const error = event.payload.error;
      this.options.logger.error({ err: error, restart: event.payload.restart }, 'consumer crashed');
      this.crashingSince ??= this.now();
      this.lastCrash = error;
      if (!event.payload.restart) {
        this.crashed = error;
        this.running = false;
      }
    });
  }

  /** True while the consumer is in its group and fetching. */
  isRunning(): boolean {
    return this.running && !this.crashed;
  }

  /** True once the consumer has joined its group and owns its partitions; readiness waits for this. */
  isJoined(): boolean {
    return this.isRunning() && this.joined;
  }

  /**
   * Why this consumer will not recover by itself, or undefined. It is not live once kafkajs has stopped restarting
   * it, or once it has been crashing without getting back into its group for longer than the grace period: a
   * process restart (fresh connections, fresh metadata, topics ensured) is then the way back. A consumer not yet
   * started, or stopped on purpose, is live.
   */
  livenessProblem(): string | undefined {
    const { groupId, topic } = this.options;
    if (this.crashed) return `consumer ${groupId} on ${topic} crashed and will not restart: ${this.crashed.message}`;
    if (this.crashingSince === undefined) return undefined;
    const graceMs = this.options.livenessGraceMs ?? DEFAULT_LIVENESS_GRACE_MS;
    const outMs = this.now() - this.crashingSince;
    if (outMs <= graceMs) return undefined;
    return (
      `consumer ${groupId} on ${topic} has been crashing for ${Math.round(outMs / 1000)} s without getting back into ` +
      `its group (limit ${Math.round(graceMs / 1000)} s): ${this.lastCrash?.message ?? 'unknown error'}`
    );
  }

  async start(): Promise<void> {
    const { topic, groupId, schema, logger, metrics } = this.options;
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: this.options.commit !== 'owner',
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
        const valid: ValidMessage<z.infer<S>>[] = [];
        const spans: Span[] = [];
        const invalid: Array<{ message: KafkaMessage; reason: string }> = [];
        for (const message of batch.messages) {
          const parsed = parseMessage(schema, message.value);
          if (parsed.ok) {
            // Parent-based sampling: a message of an untraced trip gets a non-recording span, which costs next to nothing.
            const span = tracer.startSpan(
              `process ${topic}`,
              {
                kind: SpanKind.CONSUMER,
                attributes: kafkaAttributes('process', topic, message.key?.toString(), {
                  'messaging.consumer.group.name': groupId,
                  'messaging.destination.partition.id': String(batch.partition),
                  'messaging.kafka.offset': Number(message.offset),
                }),
              },
              extractMessageContext(message.headers),
            );
            spans.push(span);
            valid.push({
              context: trace.setSpan(context.active(), span),
              value: parsed.value,
              raw: message.value,
              key: message.key ? message.key.toString() : null,
              partition: batch.partition,
              offset: message.offset,
              headers: message.headers ?? {},
              timestamp: Number(message.timestamp),
            });
          } else {
            invalid.push({ message, reason: parsed.reason });
          }
        }
        // Dead-letter before committing: if this send fails, the batch is redelivered and nothing is lost.
        await deadLetter(this.options.dlqProducer, { topic, groupId, metrics, logger }, invalid.map(({ message, reason }) => ({
          key: message.key,
          value: message.value,
          headers: message.headers ?? {},
          partition: batch.partition,
          offset: message.offset,
          reason,
        })));
        if (!isRunning() || isStale()) {
          for (const span of spans) span.end();
          return;
        }
        if (valid.length > 0) {
          try {
            await this.options.handleBatch(valid, batch.partition);
          } catch (error) {
            metrics.failed.inc({ topic, group: groupId });
            for (const span of spans) {
              span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
              span.end();
            }
            throw error;
          }
        }
        for (const span of spans) span.end();
        const last = batch.messages[batch.messages.length - 1];
        if (last) {
          resolveOffset(last.offset);
          this.options.handled?.(batch.partition, last.offset);
        }
        metrics.consumed.inc({ topic, group: groupId }, batch.messages.length);
        metrics.lag.set({ topic, partition: String(batch.partition), group: groupId }, Number(batch.offsetLag()));
        if (this.options.commit !== 'owner') await commitOffsetsIfNecessary();
        await heartbeat();
      },
    });
    this.running = true;
  }

  /** With `commit: 'owner'`: commits each partition's next offset to read, for the partitions this member owns. */
  async commit(offsets: ReadonlyArray<{ partition: number; offset: string }>): Promise<void> {
    if (offsets.length === 0) return;
    if (!this.running) throw new Error(`consumer ${this.options.groupId} is not running`);
    // A partition another member owns now is that member's to commit: this one's view of it is stale.
    const owned = offsets.filter((o) => this.assigned.has(o.partition));
    if (owned.length === 0) return;
    await this.consumer.commitOffsets(owned.map(({ partition, offset }) => ({ topic: this.options.topic, partition, offset })));
  }

  /** Stops fetching; the consumer stays in its group, so it can still commit (a graceful stop's last commit). */
  pause(): void {
    if (!this.running) return;
    this.consumer.pause([{ topic: this.options.topic }]);
  }

  async stop(): Promise<void> {
    this.running = false;
    // Stopped on purpose: whatever crashed before is no reason to restart the process now.
    this.crashingSince = undefined;
    await this.consumer.disconnect();
  }
}

/** A message `sendTraced` sends: its producer span is started from `parent` and travels in its headers. */
export interface TracedMessage {
  key: string;
  value: string | Buffer;
  /** The context the message is sent from; its trace continues in whatever reads the message. Default: the active one. */
  parent?: Context;
}

/**
 * Sends messages with a `send <topic>` producer span each, the span's W3C context in the message headers: the
 * reader's `process` span becomes its child. Resolves once Kafka acknowledged every message.
 */
export async function sendTraced(
  producer: Pick<Producer, 'send'>,
  topic: string,
  messages: TracedMessage[],
  metrics?: KafkaMetrics,
): Promise<void> {
  const spans = messages.map((m) =>
    tracer.startSpan(
      `send ${topic}`,
      { kind: SpanKind.PRODUCER, attributes: kafkaAttributes('send', topic, m.key) },
      m.parent ?? context.active(),
    ),
  );
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: messages.map((m, i) => ({ key: m.key, value: m.value, headers: traceHeaders(spans[i]!) })),
    });
    metrics?.produced.inc({ topic }, messages.length);
  } catch (error) {
    for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}
