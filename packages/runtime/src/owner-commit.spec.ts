// ValidatingConsumer with `commit: 'owner'`: nothing committed after a batch, the owner commits what it owns.
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createLogger, createRegistry, KafkaMetrics } from '@fleetlab/telemetry';
import type { Kafka, Producer } from 'kafkajs';
import { ValidatingConsumer } from './kafka';

const events = { GROUP_JOIN: 'join', REBALANCING: 'rebalancing', STOP: 'stop', DISCONNECT: 'disconnect', CRASH: 'crash' };

function setup() {
  const emitter = new EventEmitter();
  let runConfig: { autoCommit: boolean; eachBatch: (payload: unknown) => Promise<void> } | undefined;
  const fake = {
    events,
    on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener),
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: typeof runConfig) => {
      runConfig = config;
    },
    commitOffsets: vi.fn(async () => undefined),
    pause: vi.fn(),
    disconnect: async () => undefined,
  };
  const handled: Array<[number, string]> = [];
  const consumer = new ValidatingConsumer({
    kafka: { consumer: () => fake } as unknown as Kafka,
    groupId: 'g',
    topic: 't',
    schema: z.object({ n: z.number() }),
    dlqProducer: { send: vi.fn(async () => []) } as unknown as Producer,
    logger: createLogger('test', { level: 'silent' }),
    metrics: new KafkaMetrics(createRegistry('test')),
    commit: 'owner',
    handled: (partition, lastOffset) => handled.push([partition, lastOffset]),
    handleBatch: async () => undefined,
  });
  return { consumer, fake, handled, run: () => runConfig!, join: (partitions: number[]) => emitter.emit('join', { payload: { memberAssignment: { t: partitions } } }) };
}

describe('ValidatingConsumer, commits left to its owner', () => {
  it('runs without auto-commit, reports each handled batch, and commits nothing itself', async () => {
    const t = setup();
    await t.consumer.start();
    expect(t.run().autoCommit).toBe(false);
    const commitOffsetsIfNecessary = vi.fn(async () => undefined);
    const resolveOffset = vi.fn();
    await t.run().eachBatch({
      batch: {
        partition: 3,
        messages: [
          { offset: '10', value: Buffer.from('{"n":1}'), key: null, headers: {}, timestamp: '0' },
          { offset: '11', value: Buffer.from('not json'), key: null, headers: {}, timestamp: '0' },
        ],
        offsetLag: () => '0',
      },
      resolveOffset,
      heartbeat: async () => undefined,
      commitOffsetsIfNecessary,
      isRunning: () => true,
      isStale: () => false,
    });
    expect(resolveOffset).toHaveBeenCalledWith('11');
    expect(t.handled).toEqual([[3, '11']]);
    expect(commitOffsetsIfNecessary).not.toHaveBeenCalled();
  });

  it('commits only the partitions it owns since it last joined, and pauses fetching', async () => {
    const t = setup();
    await expect(t.consumer.commit([{ partition: 0, offset: '1' }])).rejects.toThrow(/not running/);
    await t.consumer.start();
    t.join([0, 2]);
    await t.consumer.commit([
      { partition: 0, offset: '5' },
      { partition: 1, offset: '7' },
      { partition: 2, offset: '9' },
    ]);
    expect(t.fake.commitOffsets).toHaveBeenCalledWith([
      { topic: 't', partition: 0, offset: '5' },
      { topic: 't', partition: 2, offset: '9' },
    ]);
    t.join([1]);
    await t.consumer.commit([{ partition: 0, offset: '6' }]);
    expect(t.fake.commitOffsets).toHaveBeenCalledTimes(1);
    t.consumer.pause();
    expect(t.fake.pause).toHaveBeenCalledWith([{ topic: 't' }]);
  });
});
