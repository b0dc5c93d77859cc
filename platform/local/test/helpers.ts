// Small clients for the integration tests: HTTP JSON, polling, a Kafka topic reader, MongoDB, socket.io.
import { expect, inject } from 'vitest';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { MongoClient, type Db } from 'mongodb';
import { io, type Socket } from 'socket.io-client';
import type { FleetView, NewPosition, TripView } from '@fleetlab/contracts';
import { fetchJson } from '../src/http-json';

export const lab = (): ReturnType<typeof inject<'lab'>> => inject('lab');

export function api<T = unknown>(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: T }> {
  return fetchJson<T>(`${lab().apiUrl}${path}`, init);
}

/** Polls until `probe` returns a value other than undefined; fails with the last value seen. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export function kafka(): Kafka {
  return new Kafka({ clientId: 'fleetlab-tests', brokers: lab().kafkaBrokers, logLevel: logLevel.NOTHING });
}

export interface ReadMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

/**
 * Reads a topic from the beginning with a throwaway group until `done` says the collected messages suffice.
 */
export async function readTopic(
  topic: string,
  done: (messages: ReadMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<ReadMessage[]> {
  const consumer = kafka().consumer({ groupId: `fleetlab-tests-${topic}-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 100 });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        messages.push({
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: headerStrings(message.headers),
          partition,
          offset: message.offset,
        });
      },
    });
    await waitFor(`messages on ${topic}`, async () => (done(messages) ? true : undefined), timeoutMs, 100);
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

export async function produce(topic: string, messages: Array<{ key?: string; value: string | Buffer | null }>): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

let client: MongoClient | undefined;
export async function db(): Promise<Db> {
  if (!client) {
    client = new MongoClient(lab().mongoUrl);
    await client.connect();
  }
  return client.db();
}

export async function closeDb(): Promise<void> {
  await client?.close();
  client = undefined;
}

export async function connectSocket(): Promise<Socket> {
  const socket = io(lab().apiUrl, { transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** The api's shapes, from the contracts it validates with. */
export type Position = NewPosition;
export type Trip = TripView;
export type FleetProgress = FleetView;

export async function waitForTripStatus(tripId: string, status: TripView['status'], timeoutMs = 60_000): Promise<Trip> {
  return waitFor(`trip ${tripId} ${status}`, async () => {
    const { status: code, body } = await api<Trip>(`/trips/${tripId}`);
    return code === 200 && body.status === status ? body : undefined;
  }, timeoutMs);
}

export async function routePoints(routeId: string): Promise<Array<[number, number]>> {
  const { status, body } = await api<{ points: Array<[number, number]> }>(`/routes/${routeId}`);
  if (status !== 200) throw new Error(`GET /routes/${routeId}: ${status}`);
  return body.points;
}

export async function storedHistory(tripId: string): Promise<Array<{ seq: number; position: [number, number] }>> {
  const rows = await (await db()).collection('trip_positions').find({ tripId }).sort({ seq: 1 }).toArray();
  return rows.map((r) => ({ seq: r.seq as number, position: r.position as [number, number] }));
}

export async function allReady(): Promise<Record<string, number>> {
  const { apiUrl, simulatorUrl, consumerUrl } = lab();
  const entries = await Promise.all(
    Object.entries({ api: apiUrl, simulator: simulatorUrl, consumer: consumerUrl }).map(async ([name, url]) => {
      const response = await fetch(`${url}/readyz`).catch(() => undefined);
      return [name, response?.status ?? 0] as const;
    }),
  );
  return Object.fromEntries(entries);
}

export async function waitForFleetFinished(fleetId: string, timeoutMs = 240_000): Promise<FleetProgress> {
  return waitFor(`fleet ${fleetId} finished`, async () => {
    const { status, body } = await api<FleetProgress>(`/fleets/${fleetId}`);
    return status === 200 && body.trips.finished === body.vehicles ? body : undefined;
  }, timeoutMs, 1_000);
}

export interface HistoryCheck {
  /** Trips of the fleet, and positions stored for them. */
  trips: number;
  positions: number;
  finished: number;
  running: number;
}

/**
 * Every trip of the fleet has exactly its route's points stored: seq 0..n-1, no gap, no duplicate, its `count`
 * equal to that and its status finished. `vehicles`: how many trips the fleet must have. `onlyFinished`: trips still
 * running are checked only as an exact prefix of their route (for a check while trips may still play).
 */
export async function expectExactHistories(
  fleetId: string,
  options: { vehicles?: number; onlyFinished?: boolean } = {},
): Promise<HistoryCheck> {
  const database = await db();
  const trips = await database.collection('trips').find({ fleetId }).toArray();
  if (options.vehicles !== undefined) expect(trips).toHaveLength(options.vehicles);
  expect(trips.length).toBeGreaterThan(0);
  const routeIds = [...new Set(trips.map((t) => t.routeId as string))];
  const routes = await database.collection('routes').find({ _id: { $in: routeIds as never[] } }).toArray();
  const pointsOf = new Map(routes.map((r) => [String(r._id), (r.points as unknown[]).length]));
  const positions = await database
    .collection('trip_positions')
    .find({ tripId: { $in: trips.map((t) => t._id) as never[] } }, { projection: { tripId: 1, seq: 1 } })
    .toArray();
  const seqsByTrip = new Map<string, number[]>();
  for (const p of positions) {
    const list = seqsByTrip.get(p.tripId as string) ?? [];
    list.push(p.seq as number);
    seqsByTrip.set(p.tripId as string, list);
  }
  const problems: string[] = [];
  for (const trip of trips) {
    const expected = pointsOf.get(trip.routeId as string) ?? -1;
    const seqs = (seqsByTrip.get(String(trip._id)) ?? []).sort((a, b) => a - b);
    const gapless = seqs.every((s, i) => s === i);
    if (options.onlyFinished && trip.status === 'running') {
      if (!gapless || seqs.length >= expected) problems.push(`${String(trip._id)} (running): stored seqs not a prefix: ${seqs.length}/${expected}`);
      continue;
    }
    const exact = seqs.length === expected && gapless;
    if (!exact || trip.count !== expected || trip.status !== 'finished') {
      problems.push(`${String(trip._id)}: ${seqs.length}/${expected} stored, count ${trip.count}, ${trip.status}`);
    }
  }
  expect(problems).toEqual([]);
  return {
    trips: trips.length,
    positions: positions.length,
    finished: trips.filter((t) => t.status === 'finished').length,
    running: trips.filter((t) => t.status === 'running').length,
  };
}

/** Every message a topic holds now (none if it does not exist yet), read with a throwaway group. */
export async function readWholeTopic(topic: string, timeoutMs = 60_000): Promise<ReadMessage[]> {
  const admin = kafka().admin();
  await admin.connect();
  let ends: Array<{ partition: number; high: string; low: string }>;
  try {
    if (!(await admin.listTopics()).includes(topic)) return [];
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const wanted = ends.filter((e) => BigInt(e.high) > BigInt(e.low));
  if (wanted.length === 0) return [];
  return readTopic(
    topic,
    (messages) =>
      wanted.every((e) => messages.some((m) => m.partition === e.partition && BigInt(m.offset) >= BigInt(e.high) - 1n)),
    timeoutMs,
  );
}

/** The sum of every series of `name` a service serves at `<baseUrl>/metrics` now (0 when it serves none). */
export async function scrapeMetric(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (m?.[1] === name) sum += Number(m[3]);
  }
  return sum;
}

/**
 * Waits until the simulator plays no trip and holds no position for Kafka: everything it will send is acknowledged
 * by Kafka, so what a topic holds afterwards is final.
 */
export async function waitForSimulatorIdle(timeoutMs = 120_000): Promise<void> {
  const { simulatorUrl } = lab();
  await waitFor(
    'the simulator to play no trip and hold no position (fleetlab_simulator_active_trips and fleetlab_simulator_pending_positions_messages at 0)',
    async () => {
      const active = await scrapeMetric(simulatorUrl, 'fleetlab_simulator_active_trips');
      const pending = await scrapeMetric(simulatorUrl, 'fleetlab_simulator_pending_positions_messages');
      return active === 0 && pending === 0 ? true : undefined;
    },
    timeoutMs,
  );
}

/** Waits until consumer group `groupId` has committed every message `topic` holds now: it has handled them all. */
export async function waitForGroupCaughtUp(groupId: string, topic: string, timeoutMs = 120_000): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await waitFor(
      `consumer group ${groupId} to commit every message of ${topic} up to ${ends.map((e) => `${e.partition}:${e.high}`).join(' ')}`,
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const at = new Map(committed?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
        // A partition the group never committed on (-1) has nothing to catch up only if it is empty.
        return ends.every((e) => BigInt(e.high) === BigInt(e.low) || (at.get(e.partition) ?? -1n) >= BigInt(e.high)) ? true : undefined;
      },
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
}
