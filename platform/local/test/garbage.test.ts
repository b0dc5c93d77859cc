// Garbage on every input: socket.io events and Kafka topics. Each is refused with a reason, nothing crashes, and the
// valid traffic around it goes through untouched.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { allReady, api, closeDb, connectSocket, kafka, lab, readTopic, storedHistory, waitForTripStatus } from './helpers';

afterAll(closeDb);

/** 2,000 levels deep in every field an event knows. */
function nested(depth: number): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = { a: [value] };
  return { routeId: value, tripId: value, fleetId: value };
}

/** Malformed payloads of every kind; `subscribe-fleet` takes an absent payload (every fleet), so null is not among them. */
const malformed: Array<[string, unknown]> = [
  ['a number', 42],
  ['a boolean', true],
  ['a string that is not JSON', 'not json {'],
  ['an array', [1, 'two', { three: 3 }]],
  ['wrong field types', { routeId: 7, tripId: ['x'], fleetId: { id: 1 }, paceMs: 'fast', vehicleId: null }],
  ['a huge string field', { routeId: 'r'.repeat(400_000), tripId: 't'.repeat(400_000), fleetId: 'f'.repeat(100_000) }],
  ['a deeply nested object', nested(2_000)],
  ['binary', Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff])],
];
const events = ['new-direction', 'subscribe-trip', 'unsubscribe-trip', 'subscribe-fleet', 'unsubscribe-fleet'];

function emitWithAck(socket: Socket, event: string, payload: unknown): Promise<unknown> {
  return socket.timeout(10_000).emitWithAck(event, payload);
}

describe('socket.io garbage', () => {
  it.each(events)('%s: every malformed payload is acked with a stable code and a short message, no internals', async (event) => {
    const socket = await connectSocket();
    try {
      for (const [name, payload] of malformed) {
        const ack = (await emitWithAck(socket, event, payload)) as { error?: string; code?: string };
        expect(ack, `${event} with ${name}`).toMatchObject({ code: 'invalid_payload', error: expect.stringMatching(new RegExp(`^invalid ${event}: `)) });
        expect(ack.error!.length, `${event} with ${name}`).toBeLessThanOrEqual(300);
        expect(ack.error, `${event} with ${name}`).not.toMatch(/\n\s+at |Error:|E11000|Mongo|kafkajs/);
      }
      // The same socket still works.
      expect(socket.connected).toBe(true);
    } finally {
      socket.close();
    }
  });

  it('a valid direction for an unknown route is refused with its code, a valid one still starts a trip', async () => {
    const socket = await connectSocket();
    try {
      expect(await emitWithAck(socket, 'new-direction', { routeId: `nope-${randomUUID()}` })).toMatchObject({ code: 'route_not_found' });
      expect(await emitWithAck(socket, 'new-direction', { routeId: '3', paceMs: 1 })).toMatchObject({ tripId: expect.any(String) });
    } finally {
      socket.close();
    }
  });

  it('a payload over the size limit closes that one connection; the api goes on', async () => {
    const socket = await connectSocket();
    const closed = new Promise<string>((resolve) => socket.on('disconnect', (reason) => resolve(reason)));
    socket.emit('subscribe-trip', { tripId: 'x'.repeat(2_000_000) });
    expect(await closed).toMatch(/transport close|transport error/);
    expect((await fetch(`${lab().apiUrl}/healthz`)).status).toBe(200);
    const next = await connectSocket();
    expect(await emitWithAck(next, 'subscribe-trip', { tripId: 'after' })).toEqual({ ok: true, room: 'trip:after' });
    next.close();
  });
});

describe('Kafka garbage on every topic', () => {
  it('is dead-lettered with a reason, and a valid trip and cancel through the same topics go through', async () => {
    const run = randomUUID();
    const badHeaders = { traceparent: 'not-a-traceparent', tracestate: Buffer.from([0xff, 0xfe, 0x00]), 'x-binary': Buffer.from([0x80, 0x81]) };
    const garbage = (topic: string): Array<{ key: string; value: string | Buffer | null; headers: Record<string, string | Buffer> }> => [
      { key: `${topic}-notjson-${run}`, value: '{"routeId": 1,,', headers: badHeaders },
      { key: `${topic}-binary-${run}`, value: Buffer.from([0x00, 0xff, 0x10, 0x80]), headers: badHeaders },
      { key: `${topic}-types-${run}`, value: JSON.stringify({ routeId: 1, clientId: 2, tripId: [], vehicleId: {}, seq: 'one', fleetId: 3, position: 'x', finished: 'no', ts: 5 }), headers: badHeaders },
      // Every topic's schema knows one of these fields and bounds it; 600 kB in all, under the broker's 1 MB limit.
      { key: `${topic}-huge-${run}`, value: JSON.stringify({ routeId: 'r'.repeat(300_000), reason: 'x'.repeat(300_000), tripId: 't', fleetId: 'f' }), headers: badHeaders },
      { key: `${topic}-array-${run}`, value: '[1,2,3]', headers: badHeaders },
      { key: `${topic}-empty-${run}`, value: null, headers: badHeaders },
    ];
    const topics = ['route.new-direction', 'route.new-position', 'route.cancel'];

    // A valid trip that will be cancelled part-way, started before the garbage; a valid direct trip after it.
    const slow = await api<{ tripId: string }>('/trips', { body: { routeId: '1', paceMs: 200 } });
    expect(slow.status).toBe(202);
    await waitForTripStatus(slow.body.tripId, 'running');

    const producer = kafka().producer();
    await producer.connect();
    try {
      for (const topic of topics) await producer.send({ topic, acks: -1, messages: garbage(topic) });
      const valid = `valid-${run}`;
      await producer.send({
        topic: 'route.new-direction',
        acks: -1,
        messages: [{ key: valid, value: JSON.stringify({ clientId: '', routeId: '2', tripId: valid, vehicleId: `v-${run}`, paceMs: 5 }), headers: badHeaders }],
      });
    } finally {
      await producer.disconnect();
    }
    const cancel = await api(`/trips/${slow.body.tripId}`, { method: 'DELETE' });
    expect(cancel.status).toBe(202);

    const expected = ['notjson', 'binary', 'types', 'huge', 'array', 'empty'];
    for (const topic of topics) {
      const letters = await readTopic(`${topic}.dlq`, (m) => {
        const groups = new Set(m.filter((x) => x.key?.endsWith(run) && x.key.startsWith(topic)).map((x) => x.key));
        return groups.size >= expected.length;
      });
      const mine = letters.filter((x) => x.key?.endsWith(run) && x.key.startsWith(topic));
      for (const kind of expected) {
        const letter = mine.find((x) => x.key === `${topic}-${kind}-${run}`);
        expect(letter, `${topic} ${kind}`).toBeDefined();
        expect(letter!.headers['fleetlab-dlq-reason'], `${topic} ${kind}`).toMatch(/\S/);
        expect(letter!.headers['fleetlab-dlq-source-topic']).toBe(topic);
        // The original headers travel with the letter.
        expect(letter!.headers.traceparent).toBe('not-a-traceparent');
      }
      const reasons = Object.fromEntries(mine.map((x) => [x.key!.slice(topic.length + 1, -run.length - 1), x.headers['fleetlab-dlq-reason']]));
      expect(reasons.notjson).toMatch(/^not JSON/);
      expect(reasons.empty).toBe('empty message value');
      expect(reasons.huge).toMatch(/(routeId|reason): String must contain at most/);
      expect(reasons.array).toMatch(/^\(root\): Expected object/);
    }

    const trip = await waitForTripStatus(`valid-${run}`, 'finished');
    expect(trip.count).toBe(40);
    expect((await storedHistory(`valid-${run}`)).map((h) => h.seq)).toEqual([...Array(40).keys()]);
    // The cancel went through the same topic as the garbage and stopped the slow trip.
    const cancelled = await waitForTripStatus(slow.body.tripId, 'cancelled');
    expect(cancelled.count).toBeLessThan(219);
    expect(await allReady()).toEqual({ api: 200, simulator: 200, consumer: 200 });
    for (const url of [lab().apiUrl, lab().simulatorUrl, lab().consumerUrl]) expect((await fetch(`${url}/healthz`)).status).toBe(200);
  }, 120_000);
});
