import { Inject, Injectable, ServiceUnavailableException, type OnApplicationShutdown } from '@nestjs/common';
import { Partitioners } from 'kafkajs';
import { createKafka, ensureTopics, fleetlabTopics, sendTraced, type Kafka, type Producer } from '@fleetlab/runtime';
import type { Context } from '@opentelemetry/api';
import type { Logger } from '@fleetlab/telemetry';
import { AppConfig } from '../config';
import { LOGGER } from '../common/logger';
import { ApiMetrics } from '../metrics/api-metrics';

/** A message whose value is sent as JSON. */
export interface JsonMessage {
  key: string;
  value: unknown;
  /** The context the message continues; by default the active one (the HTTP request, the socket event). */
  parent?: Context;
}

/** Messages per `send`: big fleets go out in a few large requests, not one request per vehicle. */
export const SEND_CHUNK = 1000;
const RETRY_MS = 2000;

/**
 * The api's Kafka connection: the client (the gateway consumer makes its consumer from it), the topics, and the one
 * producer shared by every feature (and by the gateway consumer for dead-lettering). It connects in the background, creating the topics first, so the HTTP server answers /healthz while Kafka is
 * still coming up; /readyz says so until it is connected, and sends before that answer 503.
 */
@Injectable()
export class KafkaService implements OnApplicationShutdown {
  readonly kafka: Kafka;
  readonly producer: Producer;
  private connected = false;
  private stopping = false;
  private readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: ApiMetrics,
  ) {
    this.kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'api', logger });
    // Topics are created by ensureTopics at start; a typo'd topic must fail rather than appear.
    // The Java-compatible murmur2 partitioner, stated so kafkajs stops warning about its changed default.
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    this.producer.on(this.producer.events.CONNECT, () => {
      this.connected = true;
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
  }

  /** Starts connecting; resolves at once. `whenReady()` resolves once topics exist and the producer is connected. */
  start(): void {
    void this.connectWithRetry();
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  isConnected(): boolean {
    return this.connected;
  }

  private async connectWithRetry(): Promise<void> {
    while (!this.stopping) {
      try {
        await ensureTopics(this.kafka, fleetlabTopics(this.config));
        await this.producer.connect();
        this.logger.info({ brokers: this.config.KAFKA_BROKERS }, 'kafka producer connected, topics ensured');
        this.markReady();
        return;
      } catch (error) {
        this.logger.error({ err: error, retryInMs: RETRY_MS }, 'kafka not reachable yet');
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  /** Throws the 503 a request gets while Kafka is not connected, before it writes anything. */
  assertConnected(): void {
    if (!this.connected) throw new ServiceUnavailableException('Kafka is not connected yet');
  }

  /** Sends JSON messages keyed as given, in chunks of SEND_CHUNK, acks from every in-sync replica. */
  async send(topic: string, messages: JsonMessage[]): Promise<void> {
    this.assertConnected();
    for (let i = 0; i < messages.length; i += SEND_CHUNK) {
      const chunk = messages.slice(i, i + SEND_CHUNK);
      await sendTraced(
        this.producer,
        topic,
        chunk.map((m) => ({ key: m.key, value: JSON.stringify(m.value), ...(m.parent ? { parent: m.parent } : {}) })),
        this.metrics.kafka,
      );
    }
  }

  /** Runs after the HTTP server has closed, so in-flight requests could still send. disconnect() waits for them. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.connected) await this.producer.disconnect();
  }
}
