import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DeliverablePosition, Topics } from '@fleetlab/contracts';
import { ValidatingConsumer } from '@fleetlab/runtime';
import type { Logger } from '@fleetlab/telemetry';
import { LOGGER } from '../common/logger';
import { KafkaService } from '../kafka/kafka.service';
import { ApiMetrics } from '../metrics/api-metrics';
import { PositionsGateway } from './positions.gateway';

const RETRY_MS = 2000;

/**
 * Reads `route.new-position` for the gateway. The group is per instance and starts from the latest offset, so every
 * api instance sees every position (its browsers are spread over all instances) and none replays history.
 */
@Injectable()
export class GatewayConsumerService implements OnApplicationBootstrap {
  readonly groupId = `api-gateway-${hostname()}-${process.pid}`;
  private consumer: ValidatingConsumer<typeof DeliverablePosition> | undefined;
  private stopping = false;

  constructor(
    private readonly kafka: KafkaService,
    private readonly gateway: PositionsGateway,
    private readonly metrics: ApiMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    void this.startWithRetry();
  }

  /** Why the gateway consumer will not recover by itself (see ValidatingConsumer.livenessProblem), or undefined. */
  livenessProblem(): string | undefined {
    return this.consumer?.livenessProblem();
  }

  /** In its group and fetching. */
  isReady(): boolean {
    return this.consumer?.isJoined() ?? false;
  }

  private async startWithRetry(): Promise<void> {
    await this.kafka.whenReady();
    while (!this.stopping) {
      const consumer = new ValidatingConsumer({
        kafka: this.kafka.kafka,
        groupId: this.groupId,
        topic: Topics.newPosition,
        // Original Code Delivery positions too: they reach the socket their clientId names.
        schema: DeliverablePosition,
        dlqProducer: this.kafka.producer,
        logger: this.logger.child({ component: 'gateway-consumer' }),
        metrics: this.metrics.kafka,
        fromBeginning: false,
        handleBatch: async (messages) => {
          for (const message of messages) this.gateway.dispatch(message.value, message.context);
        },
      });
      try {
        this.consumer = consumer;
        await consumer.start();
        this.logger.info({ groupId: this.groupId, topic: Topics.newPosition }, 'gateway consumer started');
        return;
      } catch (error) {
        this.logger.error({ err: error, retryInMs: RETRY_MS }, 'gateway consumer could not start');
        await consumer.stop().catch((stopError: unknown) => this.logger.warn({ err: stopError }, 'gateway consumer not stopped before the retry'));
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  /** First shutdown step: no more positions come in. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.stop();
  }
}
