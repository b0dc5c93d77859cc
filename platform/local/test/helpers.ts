// Small clients for the integration tests: HTTP JSON, polling, a Kafka topic reader, MongoDB, socket.io.
import { inject } from 'vitest';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { MongoClient, type Db } from 'mongodb';
import { io, type Socket } from 'socket.io-client';

export const lab = (): ReturnType<typeof inject<'lab'>> => inject('lab');

export async function api<T = unknown>(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: T }> {
  const response = await fetch(`${lab().apiUrl}${path}`, {
    method: init?.method ?? (init?.body === undefined ? 'GET' : 'POST'),
    headers: init?.body === undefined ? undefined : { 'content-type': 'application/json' },
    body: init?.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the assertion message.
  }
  return { status: response.status, body: body as T };
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

export interface Position {
  routeId: string;
  clientId: string;
  position: [number, number];
  finished: boolean;
  tripId: string;
  vehicleId: string;
  seq: number;
  ts: string;
  total?: number;
  fleetId?: string;
}

export interface Trip {
  tripId: string;
  routeId: string;
  vehicleId: string;
  status: string;
  count: number;
  total: number;
  lastSeq: number;
  lastPosition: [number, number];
}

export async function waitForTripStatus(tripId: string, status: string, timeoutMs = 60_000): Promise<Trip> {
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
