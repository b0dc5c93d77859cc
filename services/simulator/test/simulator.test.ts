// The simulator against the real lab: dead-lettering an unknown route, cancelling a trip, handing trips on at a stop.
import { randomUUID } from 'node:crypto';
import { inject, describe, expect, it } from 'vitest';
import { Kafka, logLevel, Partitioners, type Consumer } from 'kafkajs';
import { controlService } from '@fleetlab/local';
import { waitForSimulatorIdle } from '../../../platform/local/test/helpers';

interface Seen {
  topic: string;
  key: string | null;
  value: Record<string, unknown>;
  headers: Record<string, string>;
}

const lab = () => inject('lab');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function kafka(): Kafka {
  return new Kafka({ clientId: 'simulator-tests', brokers: lab().kafkaBrokers, logLevel: logLevel.NOTHING });
}

interface Watch {
  seen: Seen[];
  /** Resolves once every message `topic` holds now has been read. */
  caughtUp(topic: string): Promise<void>;
  stop(): Promise<void>;
}

/** Reads topics from the beginning into an array, keeping only messages whose value mentions `marker`. */
async function watch(topics: string[], marker: string): Promise<Watch> {
  const consumer: Consumer = kafka().consumer({ groupId: `simulator-tests-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const seen: Seen[] = [];
  /** The next offset to read, by `<topic>:<partition>`, over every message read (marked or not). */
  const next = new Map<string, bigint>();
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      next.set(`${topic}:${partition}`, BigInt(message.offset) + 1n);
      const text = message.value?.toString() ?? '';
      if (!text.includes(marker)) return;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) {
        const first = Array.isArray(value) ? value[0] : value;
        if (first !== undefined) headers[name] = first.toString();
      }
      seen.push({ topic, key: message.key?.toString() ?? null, value: JSON.parse(text), headers });
    },
  });
  const caughtUp = async (topic: string): Promise<void> => {
    const admin = kafka().admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
    await until(`the reader to reach the end of ${topic} (${ends.map((e) => `${e.partition}:${e.high}`).join(' ')})`, () =>
      ends.every((e) => BigInt(e.high) === BigInt(e.low) || (next.get(`${topic}:${e.partition}`) ?? 0n) >= BigInt(e.high)) ? true : undefined,
    );
  };
  return { seen, caughtUp, stop: () => consumer.disconnect() };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function api<T>(path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${lab().apiUrl}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as T };
}

const positionsOf = (seen: Seen[], tripId: string) =>
  seen.filter((s) => s.topic === 'route.new-position' && s.value.tripId === tripId).map((s) => s.value);

describe('simulator', () => {
  it('dead-letters a direction for an unknown route, naming it', async () => {
    const tripId = `sim-test-${randomUUID()}`;
    const routeId = `no-such-route-${randomUUID()}`;
    const reader = await watch(['route.new-direction.dlq'], tripId);
    const producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: 'route.new-direction',
      messages: [{ key: tripId, value: JSON.stringify({ clientId: '', routeId, tripId, vehicleId: 'v-1' }) }],
    });
    await producer.disconnect();
    const dead = await until('the dead-lettered direction', () => reader.seen[0]);
    await reader.stop();
    expect(dead.key).toBe(tripId);
    expect(dead.value).toMatchObject({ tripId, routeId });
    expect(dead.headers).toMatchObject({
      'fleetlab-dlq-reason': `unknown route ${routeId}`,
      'fleetlab-dlq-source-topic': 'route.new-direction',
      'fleetlab-dlq-consumer-group': 'simulator',
    });
  });

  it('stops a cancelled trip: no further position, never finished', async () => {
    const started = await api<{ tripId: string }>('/trips', 'POST', { routeId: '2', paceMs: 200 });
    expect(started.status).toBe(202);
    const { tripId } = started.body;
    const reader = await watch(['route.new-position'], tripId);
    await until('a few positions', () => (positionsOf(reader.seen, tripId).length >= 3 ? true : undefined));
    expect((await api(`/trips/${tripId}`, 'DELETE')).status).toBe(202);
    // Once the simulator plays nothing, every position it sent is in the topic: an uncancelled trip would still be
    // playing, and end with its finished position.
    await waitForSimulatorIdle();
    await reader.caughtUp('route.new-position');
    await reader.stop();
    const positions = positionsOf(reader.seen, tripId);
    expect(positions.some((p) => p.finished)).toBe(false);
    expect(positions.length).toBeLessThan(40);
  });

  it('hands running trips on at a graceful stop; the next simulator resumes them at fromSeq', async () => {
    const started = await api<{ tripId: string }>('/trips', 'POST', { routeId: '2', paceMs: 250 });
    const { tripId } = started.body;
    const reader = await watch(['route.new-position', 'route.new-direction'], tripId);
    await until('a few positions', () => (positionsOf(reader.seen, tripId).length >= 3 ? true : undefined));
    await controlService(lab().controlUrl, 'simulator', 'stop');
    const handOff = await until('the hand-off direction', () =>
      reader.seen.find((s) => s.topic === 'route.new-direction' && s.value.fromSeq !== undefined),
    );
    const before = positionsOf(reader.seen, tripId).map((p) => p.seq as number);
    expect(handOff.key).toBe(tripId);
    expect(handOff.value).toMatchObject({ tripId, routeId: '2', paceMs: 250, fromSeq: Math.max(...before) + 1 });
    await controlService(lab().controlUrl, 'simulator', 'start');
    await until('the finished position', () => (positionsOf(reader.seen, tripId).some((p) => p.finished) ? true : undefined));
    await reader.stop();
    const seqs = positionsOf(reader.seen, tripId).map((p) => p.seq as number);
    expect([...new Set(seqs)].sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
    expect(positionsOf(reader.seen, tripId).filter((p) => p.finished).map((p) => p.seq)).toEqual([39]);
  });
});
