import type { Consumer, Kafka } from '@fleetlab/runtime';

/**
 * Whether the consumer has joined its group. ValidatingConsumer keeps its kafkajs consumer to itself, so the
 * Kafka client handed to it is wrapped to see the consumer it creates and follow its group events.
 */
export class GroupMembership {
  private joined = false;

  isJoined(): boolean {
    return this.joined;
  }

  /** The same client, except that every consumer it creates is tracked. */
  observe(kafka: Kafka): Kafka {
    return new Proxy(kafka, {
      get: (target, property, receiver) => {
        if (property !== 'consumer') return Reflect.get(target, property, receiver) as unknown;
        return (...args: Parameters<Kafka['consumer']>): Consumer => {
          const consumer = target.consumer(...args);
          this.track(consumer);
          return consumer;
        };
      },
    });
  }

  track(consumer: Consumer): void {
    const { GROUP_JOIN, REBALANCING, STOP, DISCONNECT, CRASH } = consumer.events;
    consumer.on(GROUP_JOIN, () => {
      this.joined = true;
    });
    // While rebalancing, or after a crash (kafkajs rejoins on its own when it restarts), no partition is assigned.
    for (const event of [REBALANCING, STOP, DISCONNECT, CRASH] as const) {
      consumer.on(event, () => {
        this.joined = false;
      });
    }
  }
}
