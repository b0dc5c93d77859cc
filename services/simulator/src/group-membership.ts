import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';

/**
 * Tracks whether each consumer group of the process has joined, which ValidatingConsumer doesn't expose: it is
 * handed a Kafka whose consumer() listens to the kafkajs instrumentation events of every consumer it creates.
 */
export class GroupMembership {
  private readonly joined = new Map<string, boolean>();

  wrap(kafka: Kafka): Kafka {
    return {
      producer: (config) => kafka.producer(config),
      admin: (config) => kafka.admin(config),
      logger: () => kafka.logger(),
      consumer: (config: ConsumerConfig) => this.watch(kafka.consumer(config), config.groupId),
    };
  }

  isJoined(groupId: string): boolean {
    return this.joined.get(groupId) ?? false;
  }

  private watch(consumer: Consumer, groupId: string): Consumer {
    this.joined.set(groupId, false);
    const left = () => this.joined.set(groupId, false);
    consumer.on(consumer.events.GROUP_JOIN, () => this.joined.set(groupId, true));
    consumer.on(consumer.events.REBALANCING, left);
    consumer.on(consumer.events.STOP, left);
    consumer.on(consumer.events.DISCONNECT, left);
    consumer.on(consumer.events.CRASH, left);
    return consumer;
  }
}
