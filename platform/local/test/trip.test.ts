// A trip through the whole pipeline: HTTP → Kafka → simulator → Kafka → api socket and consumer → MongoDB.
import { afterAll, describe, expect, it } from 'vitest';
import { api, closeDb, connectSocket, routePoints, storedHistory, waitFor, waitForTripStatus, type Position } from './helpers';

afterAll(closeDb);

describe('a trip started over HTTP', () => {
  it('reaches a subscribed socket point by point, in order, and is stored exactly', async () => {
    const points = await routePoints('2');
    expect(points).toHaveLength(40);

    const socket = await connectSocket();
    const received: Position[] = [];
    let tripId = '';
    socket.on('positions', (batch: Position[]) => received.push(...batch.filter((p) => p.tripId === tripId)));
    await new Promise<void>((resolve) => socket.emit('subscribe-fleet', {}, () => resolve()));

    const started = await api<{ tripId: string; status: string; routeId: string }>('/trips', {
      body: { routeId: '2', paceMs: 20 },
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ routeId: '2', status: 'requested' });
    tripId = started.body.tripId;

    await waitFor('the finished position on the socket', async () => (received.some((p) => p.finished) ? true : undefined));
    socket.close();

    expect(received.map((p) => p.seq)).toEqual([...Array(40).keys()]);
    expect(received.filter((p) => p.finished).map((p) => p.seq)).toEqual([39]);
    expect(received.map((p) => p.position)).toEqual(points);
    expect(received.every((p) => p.routeId === '2' && p.clientId === '' && !Number.isNaN(Date.parse(p.ts)))).toBe(true);

    const trip = await waitForTripStatus(tripId, 'finished');
    expect(trip).toMatchObject({ routeId: '2', count: 40, total: 40, lastSeq: 39, lastPosition: points[39] });
    const history = await storedHistory(tripId);
    expect(history.map((h) => h.seq)).toEqual([...Array(40).keys()]);
    expect(history.map((h) => h.position)).toEqual(points);

    const positions = await api<{ positions: Array<{ seq: number }> }>(`/trips/${tripId}/positions`);
    expect(positions.body.positions).toHaveLength(40);
  });

  it('delivers one trip to its trip room with subscribe-trip', async () => {
    const socket = await connectSocket();
    const received: Position[] = [];
    socket.on('new-position', (p: Position) => received.push(p));
    // A slow pace leaves time to subscribe after the trip id is known; the first points may pass before that.
    const started = await api<{ tripId: string }>('/trips', { body: { routeId: '2', paceMs: 150 } });
    await new Promise<void>((resolve) => socket.emit('subscribe-trip', { tripId: started.body.tripId }, () => resolve()));
    await waitFor('the finished position', async () => (received.some((p) => p.finished) ? true : undefined));
    socket.close();
    const seqs = received.map((p) => p.seq);
    expect(seqs.length).toBeGreaterThan(20);
    expect(seqs).toEqual([...Array(seqs.length).keys()].map((i) => i + (40 - seqs.length)));
    expect(received.every((p) => p.tripId === started.body.tripId)).toBe(true);
  });
});

describe('the original socket flow', () => {
  it('sends positions of a new-direction only to the socket that asked', async () => {
    const asker = await connectSocket();
    const bystander = await connectSocket();
    const askerPositions: Position[] = [];
    const bystanderPositions: Position[] = [];
    asker.on('new-position', (p: Position) => askerPositions.push(p));
    bystander.on('new-position', (p: Position) => bystanderPositions.push(p));

    const ack = await new Promise<{ tripId?: string; error?: string }>((resolve) =>
      asker.emit('new-direction', { routeId: '2', paceMs: 20 }, resolve),
    );
    expect(ack.error).toBeUndefined();
    expect(ack.tripId).toEqual(expect.any(String));

    await waitFor('the finished position', async () => (askerPositions.some((p) => p.finished) ? true : undefined));
    // A misrouted position would have been emitted to the bystander together with the asker's last one; the answer to
    // a round trip on the bystander's own connection comes after whatever the api sent it before.
    const roundTrip = await bystander.timeout(10_000).emitWithAck('unsubscribe-trip', { tripId: ack.tripId });
    expect(roundTrip).toBeDefined();
    asker.close();
    bystander.close();

    expect(askerPositions).toHaveLength(40);
    expect(askerPositions.every((p) => p.clientId === asker.id || p.tripId === ack.tripId)).toBe(true);
    expect(askerPositions.map((p) => p.seq)).toEqual([...Array(40).keys()]);
    expect(bystanderPositions).toEqual([]);
    await waitForTripStatus(ack.tripId!, 'finished');
  });

  it('answers an invalid new-direction with an error, not a trip', async () => {
    const socket = await connectSocket();
    const ack = await new Promise<{ tripId?: string; error?: string }>((resolve) => socket.emit('new-direction', { routeId: 42 }, resolve));
    const unknown = await new Promise<{ tripId?: string; error?: string }>((resolve) =>
      socket.emit('new-direction', { routeId: 'no-such-route' }, resolve),
    );
    socket.close();
    expect(ack.error).toMatch(/routeId/);
    expect(ack.tripId).toBeUndefined();
    expect(unknown.error).toMatch(/route/i);
  });
});
