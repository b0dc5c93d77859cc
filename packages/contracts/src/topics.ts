/** Kafka topic names. The original Code Delivery names are kept so its Kafka Connect and Kibana setup still works. */
export const Topics = {
  newDirection: 'route.new-direction',
  newPosition: 'route.new-position',
  /** Cancels running trips, one or a whole fleet; every simulator instance reads all of it. */
  cancel: 'route.cancel',
} as const;

/** Every consumer sends a message it cannot accept to `<topic>.dlq`, the reason in a header. */
export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Headers set on a dead-lettered message, beside the original headers (trace context among them). */
export const DlqHeaders = {
  reason: 'fleetlab-dlq-reason',
  sourceTopic: 'fleetlab-dlq-source-topic',
  sourcePartition: 'fleetlab-dlq-source-partition',
  sourceOffset: 'fleetlab-dlq-source-offset',
  consumerGroup: 'fleetlab-dlq-consumer-group',
} as const;

export const AllTopics: readonly string[] = [
  Topics.newDirection,
  Topics.newPosition,
  Topics.cancel,
  dlqTopic(Topics.newDirection),
  dlqTopic(Topics.newPosition),
  dlqTopic(Topics.cancel),
];
