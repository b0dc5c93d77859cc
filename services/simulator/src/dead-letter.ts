import { DlqHeaders, dlqTopic } from '@fleetlab/contracts';
import type { Producer, ValidMessage } from '@fleetlab/runtime';
import type { KafkaMetrics, Logger } from '@fleetlab/telemetry';

export interface Rejected<T> {
  message: ValidMessage<T>;
  reason: string;
}

/**
 * Sends valid-but-unplayable messages (an unknown route) to `<topic>.dlq`, with the same headers as the runtime's
 * ValidatingConsumer. ValidMessage carries the parsed value, not the original bytes, so the value is that parse
 * serialised again: the same message less any field the schema doesn't know.
 */
export async function deadLetter<T>(
  producer: Pick<Producer, 'send'>,
  options: { topic: string; groupId: string; metrics: KafkaMetrics; logger: Logger },
  rejected: Rejected<T>[],
): Promise<void> {
  if (rejected.length === 0) return;
  const { topic, groupId, metrics, logger } = options;
  await producer.send({
    topic: dlqTopic(topic),
    acks: -1,
    messages: rejected.map(({ message, reason }) => ({
      key: message.key,
      value: JSON.stringify(message.value),
      headers: {
        ...message.headers,
        [DlqHeaders.reason]: reason,
        [DlqHeaders.sourceTopic]: topic,
        [DlqHeaders.sourcePartition]: String(message.partition),
        [DlqHeaders.sourceOffset]: message.offset,
        [DlqHeaders.consumerGroup]: groupId,
      },
    })),
  });
  metrics.deadLettered.inc({ topic, group: groupId }, rejected.length);
  for (const { message, reason } of rejected) {
    logger.warn({ topic, partition: message.partition, offset: message.offset, reason }, 'message dead-lettered');
  }
}
