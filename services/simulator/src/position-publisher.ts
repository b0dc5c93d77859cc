import type { Message, Producer } from 'kafkajs';
import type { Span } from '@opentelemetry/api';
import type { Logger } from '@fleetlab/telemetry';

/** One position, encoded as the Kafka record the publisher sends (the trace context already in its headers). */
export interface PositionRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
  /** The message's producer span, ended when Kafka acknowledges it (traced trips only). */
  span?: Span;
  /** On a trip's last position: the trip, played out once Kafka acknowledges this message. */
  lastOf?: string;
}

export interface PositionPublisherOptions {
  producer: Pick<Producer, 'send'>;
  topic: string;
  /** Most messages in one producer.send. */
  maxBatchMessages: number;
  /** Wait before sending a batch again after the producer gave up on it (it already retried internally). */
  retryDelayMs?: number;
  logger: Logger;
  /** A batch is handed to the producer. */
  onSend?: (count: number) => void;
  /** A batch is acknowledged by every in-sync replica. */
  onAcked?: (count: number) => void;
  /** Trips whose last position was just acknowledged: played out (their direction may be committed). */
  onPlayedOut?: (tripIds: string[]) => void;
}

/**
 * One producer for every trip, with backpressure: one send is in flight at a time; what arrives meanwhile waits
 * and leaves in the next send, as one batch. A failed batch goes back to the front of the queue, so a trip's
 * positions leave in order and none is dropped. `pending` tells the scheduler when to stop collecting.
 */
export class PositionPublisher {
  private queue: PositionRecord[] = [];
  private sending = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: PositionPublisherOptions) {}

  /** Messages waiting, not counting the batch in flight. */
  get pending(): number {
    return this.queue.length;
  }

  enqueue(messages: PositionRecord[]): void {
    if (messages.length === 0) return;
    if (this.queue.length === 0) this.queue = messages;
    else for (const m of messages) this.queue.push(m);
    this.pump();
  }

  /** Resolves once every enqueued message is acknowledged. */
  flush(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Sends a waiting batch now instead of after its retry delay (at shutdown). */
  retryNow(): void {
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.pump();
    }
  }

  private idle(): boolean {
    return this.queue.length === 0 && !this.sending;
  }

  private pump(): void {
    if (this.sending || this.retryTimer || this.queue.length === 0) return;
    const max = this.options.maxBatchMessages;
    let batch: PositionRecord[];
    if (this.queue.length <= max) {
      batch = this.queue;
      this.queue = [];
    } else {
      batch = this.queue.slice(0, max);
      this.queue = this.queue.slice(max);
    }
    this.sending = true;
    this.options.onSend?.(batch.length);
    // kafkajs fills in headers (trace context) on the message objects; hand it copies it may change.
    const messages: Message[] = batch.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } }));
    this.options.producer
      .send({ topic: this.options.topic, messages, acks: -1 })
      .then(
        () => {
          for (const m of batch) m.span?.end();
          this.options.onAcked?.(batch.length);
          if (this.options.onPlayedOut) {
            const done: string[] = [];
            for (const m of batch) if (m.lastOf !== undefined) done.push(m.lastOf);
            if (done.length > 0) this.options.onPlayedOut(done);
          }
        },
        (error: unknown) => {
          for (const m of batch) m.span?.addEvent('send failed, queued again', { 'exception.message': String(error) });
          this.options.logger.error(
            { err: error, messages: batch.length, pending: this.queue.length },
            'position batch not acknowledged, will send it again',
          );
          this.queue = batch.concat(this.queue);
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.pump();
          }, this.options.retryDelayMs ?? 1_000);
        },
      )
      .finally(() => {
        this.sending = false;
        this.pump();
        if (this.idle()) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
  }
}
