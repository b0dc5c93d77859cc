// Liveness state of a Kafka consumer and how the ops server reports it; kafkajs is replaced by an event emitter.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger, createRegistry, KafkaMetrics } from '@fleetlab/telemetry';
import type { Kafka, Producer } from 'kafkajs';
import { ValidatingConsumer } from './kafka';
import { startOpsServer } from './ops-server';
import { StartUp } from './startup';

const events = { GROUP_JOIN: 'join', REBALANCING: 'rebalancing', STOP: 'stop', DISCONNECT: 'disconnect', CRASH: 'crash' };

function setup(graceMs = 10_000) {
  const emitter = new EventEmitter();
  const fakeConsumer = { events, on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener), disconnect: async () => undefined };
  let now = 1_000_000;
  const consumer = new ValidatingConsumer({
    kafka: { consumer: () => fakeConsumer } as unknown as Kafka,
    groupId: 'g',
    topic: 't',
    schema: z.object({}),
    dlqProducer: {} as Producer,
    logger: createLogger('test', { level: 'silent' }),
    metrics: new KafkaMetrics(createRegistry('test')),
    livenessGraceMs: graceMs,
    now: () => now,
    handleBatch: async () => undefined,
  });
  const crash = (restart: boolean, message = 'broker gone') => emitter.emit('crash', { payload: { error: new Error(message), restart } });
  return { consumer, crash, join: () => emitter.emit('join', {}), advance: (ms: number) => (now += ms) };
}

describe('ValidatingConsumer liveness', () => {
  it('is live before it starts and while in its group', () => {
    const { consumer, join } = setup();
    expect(consumer.livenessProblem()).toBeUndefined();
    join();
    expect(consumer.livenessProblem()).toBeUndefined();
  });

  it('is not live once kafkajs stops restarting it, naming the error', () => {
    const { consumer, crash } = setup();
    crash(false, 'The group member protocol is inconsistent');
    expect(consumer.livenessProblem()).toBe('consumer g on t crashed and will not restart: The group member protocol is inconsistent');
  });

  it('stays live while it restarts within the grace period, and gets it back by rejoining', () => {
    const { consumer, crash, join, advance } = setup(10_000);
    crash(true);
    advance(5_000);
    crash(true);
    advance(5_000);
    expect(consumer.livenessProblem()).toBeUndefined();
    join();
    advance(60_000);
    crash(true);
    advance(9_000);
    expect(consumer.livenessProblem()).toBeUndefined();
  });

  it('is not live after crashing for longer than the grace period without rejoining', () => {
    const { consumer, crash, advance } = setup(10_000);
    crash(true, 'first');
    advance(6_000);
    crash(true, 'This server does not host this topic-partition');
    advance(5_000);
    expect(consumer.livenessProblem()).toBe(
      'consumer g on t has been crashing for 11 s without getting back into its group (limit 10 s): This server does not host this topic-partition',
    );
  });

  it('is live again once stopped on purpose', async () => {
    const { consumer, crash, advance } = setup(10_000);
    crash(true);
    advance(20_000);
    expect(consumer.livenessProblem()).toBeDefined();
    await consumer.stop();
    expect(consumer.livenessProblem()).toBeUndefined();
  });
});

describe('ops server /healthz', () => {
  it('answers 200 while live and 503 naming the problems when not', async () => {
    let problems: string[] = [];
    const ops = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry: createRegistry('test'),
      readiness: { check: () => [] },
      liveness: { check: () => problems },
    });
    try {
      const live = await fetch(`http://127.0.0.1:${ops.port}/healthz`);
      expect(live.status).toBe(200);
      problems = ['consumer g on t crashed and will not restart: x'];
      const dead = await fetch(`http://127.0.0.1:${ops.port}/healthz`);
      expect(dead.status).toBe(503);
      expect(await dead.json()).toEqual({ status: 'not live', problems });
    } finally {
      await ops.close();
    }
  });
});

describe('StartUp', () => {
  it('retries each step until it succeeds, naming the step it waits for', async () => {
    const startUp = new StartUp(createLogger('test', { level: 'silent' }), 1);
    let attempts = 0;
    const seen: Array<string | undefined> = [];
    const done = await startUp.run([
      { name: 'a', run: async () => seen.push(startUp.pending()) },
      {
        name: 'b',
        run: async () => {
          seen.push(startUp.pending());
          if (++attempts < 3) throw new Error('not yet');
        },
      },
    ]);
    expect(done).toBe(true);
    expect(attempts).toBe(3);
    expect(seen).toEqual(['a', 'b', 'b', 'b']);
    expect(startUp.pending()).toBeUndefined();
  });

  it('stops waiting when the service shuts down', async () => {
    const startUp = new StartUp(createLogger('test', { level: 'silent' }), 60_000);
    const running = startUp.run([{ name: 'kafka', run: async () => Promise.reject(new Error('down')) }]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    startUp.stop();
    expect(await running).toBe(false);
    expect(startUp.pending()).toBe('kafka');
  });
});
