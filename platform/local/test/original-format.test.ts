// The original Code Delivery wire format played against the lab: the exact bytes its backend and Go simulator produce.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { api, closeDb, connectSocket, kafka, readTopic, routePoints, storedHistory, waitFor, waitForTripStatus, type Position } from './helpers';

afterAll(closeDb);

/** Produces one keyless record, as the original producers do, and says where it landed. */
async function produceKeyless(topic: string, value: string, timestamp: number): Promise<{ partition: number; offset: string }> {
  const producer = kafka().producer();
  await producer.connect();
  try {
    const [meta] = await producer.send({ topic, acks: -1, messages: [{ value, timestamp: String(timestamp) }] });
    return { partition: meta!.partition, offset: meta!.baseOffset! };
  } finally {
    await producer.disconnect();
  }
}

describe('the original Code Delivery wire format', () => {
  it('a two-field direction starts a trip whose positions reach the asking socket, and the trip is stored', async () => {
    const points = await routePoints('2');
    const socket = await connectSocket();
    const received: Position[] = [];
    socket.on('new-position', (p: Position) => received.push(p));
    try {
      // Byte for byte what the original backend sends for a browser's new-direction.
      const bytes = `{"clientId":"${socket.id}","routeId":"2"}`;
      const timestamp = Date.now();
      const { partition, offset } = await produceKeyless('route.new-direction', bytes, timestamp);
      const tripId = `cd-${partition}-${offset}-${timestamp}`;

      await waitFor('the last position on the socket', async () => (received.some((p) => p.finished) ? true : undefined), 90_000);
      expect(received.map((p) => p.seq)).toEqual([...Array(points.length).keys()]);
      expect(received.every((p) => p.tripId === tripId && p.vehicleId === `vehicle-${tripId}` && p.clientId === socket.id)).toBe(true);
      expect(received.map((p) => p.position)).toEqual(points);

      const trip = await waitForTripStatus(tripId, 'finished');
      expect(trip).toMatchObject({ routeId: '2', vehicleId: `vehicle-${tripId}`, count: points.length });
      expect((await storedHistory(tripId)).map((h) => h.seq)).toEqual([...Array(points.length).keys()]);
    } finally {
      socket.close();
    }
  }, 150_000);

  it('a keyless original position reaches the socket its clientId names, and the consumer dead-letters it saying why', async () => {
    const socket = await connectSocket();
    const received: unknown[] = [];
    socket.on('new-position', (p: unknown) => received.push(p));
    try {
      const marker = `original-${randomUUID()}`;
      // encoding/json of the Go simulator's struct: routeId, clientId, position, finished.
      const bytes = `{"routeId":"${marker}","clientId":"${socket.id}","position":[-47.8825,-15.7942],"finished":true}`;
      await produceKeyless('route.new-position', bytes, Date.now());

      await waitFor('the original position on the socket', async () => (received.length > 0 ? true : undefined));
      expect(received).toEqual([JSON.parse(bytes)]);

      const dlq = await readTopic('route.new-position.dlq', (m) => m.some((x) => x.value === bytes));
      const letter = dlq.find((x) => x.value === bytes)!;
      expect(letter.key).toBeNull();
      expect(letter.headers['fleetlab-dlq-consumer-group']).toBe('consumer');
      expect(letter.headers['fleetlab-dlq-reason']).toMatch(/^\(root\): original Code Delivery position .* not stored/);
      // The api's gateway took it: no dead letter from its group.
      expect(dlq.filter((x) => x.value === bytes).map((x) => x.headers['fleetlab-dlq-consumer-group'])).toEqual(['consumer']);
      expect((await api(`/trips?routeId=${marker}`)).body).toMatchObject({ total: 0 });
    } finally {
      socket.close();
    }
  });
});
