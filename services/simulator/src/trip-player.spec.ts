import { describe, expect, it, vi } from 'vitest';
import type { NewDirection, NewPosition } from '@fleetlab/contracts';
import { createLogger, KafkaMetrics, Registry } from '@fleetlab/telemetry';
import { SimulatorMetrics } from './metrics';
import { PositionPublisher } from './position-publisher';
import type { CachedRoute } from './route-client';
import { TripPlayer } from './trip-player';

const logger = createLogger('simulator-test', { level: 'silent' });

const route: CachedRoute = {
  id: 'r1',
  points: [
    [-47.9, -15.8],
    [-47.91, -15.81],
    [-47.92, -15.82],
  ],
};

function direction(tripId: string, extra: Partial<NewDirection> = {}): NewDirection {
  return { clientId: '', routeId: 'r1', tripId, vehicleId: `v-${tripId}`, ...extra };
}

function setup(options: { maxPendingMessages?: number; onEnded?: (ids: string[]) => void; onPlayedOut?: (ids: string[]) => void } = {}) {
  let clock = 1_000_000;
  const sent: Array<{ topic: string; messages: Array<{ key: string; value: string }> }> = [];
  const producer = {
    send: vi.fn(async (record: { topic: string; messages: Array<{ key?: unknown; value?: unknown }> }) => {
      sent.push({
        topic: record.topic,
        messages: record.messages.map((m) => ({ key: String(m.key), value: String(m.value) })),
      });
      return [];
    }),
  };
  const registry = new Registry();
  const publisher = new PositionPublisher({ producer: producer as never, topic: 'route.new-position', maxBatchMessages: 1_000, logger, onPlayedOut: options.onPlayedOut });
  const metrics = new SimulatorMetrics(registry, { activeTrips: () => 0, pendingPositions: () => 0, routeCacheSize: () => 0 });
  const player = new TripPlayer({
    publisher,
    producer: producer as never,
    defaultPaceMs: 500,
    speedFactor: 1,
    tickMs: 20,
    maxBatchMessages: 1_000,
    maxPendingMessages: options.maxPendingMessages ?? 10_000,
    metrics,
    kafkaMetrics: new KafkaMetrics(registry),
    logger,
    now: () => clock,
    onEnded: options.onEnded,
  });
  const positions = () =>
    sent.filter((s) => s.topic === 'route.new-position').flatMap((s) => s.messages.map((m) => JSON.parse(m.value) as NewPosition));
  return {
    player,
    publisher,
    producer,
    sent,
    positions,
    metrics,
    advance: (ms: number) => (clock += ms),
    now: () => clock,
  };
}

describe('TripPlayer', () => {
  it('publishes one position per point, keyed by tripId, with the contract fields', async () => {
    const t = setup();
    expect(t.player.start(direction('t1', { fleetId: 'f1' }), route)).toBe('added');
    const start = t.now();
    t.player.tick();
    t.advance(500);
    t.player.tick();
    t.advance(500);
    t.player.tick();
    await t.publisher.flush();
    expect(t.sent.flatMap((s) => s.messages.map((m) => m.key))).toEqual(['t1', 't1', 't1']);
    expect(t.positions()).toEqual(
      [0, 1, 2].map((seq) => ({
        routeId: 'r1',
        clientId: '',
        position: route.points[seq],
        finished: seq === 2,
        tripId: 't1',
        vehicleId: 'v-t1',
        seq,
        ts: new Date(start + seq * 500).toISOString(),
        total: 3,
        fleetId: 'f1',
      })),
    );
    expect(t.player.activeTrips).toBe(0);
    expect((await t.metrics.tripsFinished.get()).values[0]?.value).toBe(1);
  });

  it('drops a direction whose trip or fleet was cancelled before it arrived', () => {
    const t = setup();
    t.player.cancel({ tripId: 'late' });
    t.player.cancel({ fleetId: 'gone' });
    expect(t.player.refusal(direction('late'))).toBe('cancelled');
    expect(t.player.start(direction('late'), route)).toBe('cancelled');
    expect(t.player.start(direction('x', { fleetId: 'gone' }), route)).toBe('cancelled');
    expect(t.player.start(direction('y', { fleetId: 'kept' }), route)).toBe('added');
    expect(t.player.start(direction('y', { fleetId: 'kept' }), route)).toBe('duplicate');
  });

  it('stops a cancelled trip, or a whole fleet, with no further positions', async () => {
    const t = setup();
    t.player.start(direction('a', { fleetId: 'f' }), route);
    t.player.start(direction('b', { fleetId: 'f' }), route);
    t.player.start(direction('c'), route);
    t.player.tick();
    expect(t.player.cancel({ tripId: 'c', fleetId: 'f' })).toBe(1);
    expect(t.player.activeTrips).toBe(2);
    expect(t.player.cancel({ fleetId: 'f' })).toBe(2);
    t.advance(10_000);
    t.player.tick();
    await t.publisher.flush();
    expect(t.positions().map((p) => `${p.tripId}:${p.seq}`)).toEqual(['a:0', 'b:0', 'c:0']);
  });

  it('collects nothing while the publisher holds maxPendingMessages', () => {
    const t = setup({ maxPendingMessages: 2 });
    let release: () => void = () => undefined;
    t.producer.send.mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve([]))));
    t.player.start(direction('a'), route);
    expect(t.player.tick()).toBe(1); // in flight
    t.player.start(direction('b'), route);
    t.player.start(direction('c'), route);
    t.player.start(direction('d'), route);
    expect(t.player.tick()).toBe(2); // room for two
    expect(t.player.tick()).toBe(0); // full
    expect(t.publisher.pending).toBe(2);
    release();
  });

  it('hands running trips on at shutdown with fromSeq = next point and the same ids', async () => {
    const t = setup();
    t.player.start(direction('a', { paceMs: 1_000, fleetId: 'f', clientId: 'sock' }), route);
    t.player.start(direction('b'), route);
    t.player.tick();
    t.advance(500);
    t.player.tick();
    expect(await t.player.handOff()).toBe(2);
    const handed = t.sent.filter((s) => s.topic === 'route.new-direction').flatMap((s) => s.messages);
    expect(handed.map((m) => [m.key, JSON.parse(m.value)])).toEqual([
      ['a', { clientId: 'sock', routeId: 'r1', tripId: 'a', vehicleId: 'v-a', fromSeq: 1, paceMs: 1_000, fleetId: 'f' }],
      ['b', { clientId: '', routeId: 'r1', tripId: 'b', vehicleId: 'v-b', fromSeq: 2 }],
    ]);
    // Positions were flushed before the hand-off.
    expect(t.sent.findIndex((s) => s.topic === 'route.new-direction')).toBe(t.sent.length - 1);
    expect(t.positions()).toHaveLength(3);
    expect(t.player.activeTrips).toBe(0);
  });

  it('resumes a handed-off trip from fromSeq', async () => {
    const t = setup();
    t.player.start(direction('a', { fromSeq: 2 }), route);
    t.player.tick();
    await t.publisher.flush();
    expect(t.positions().map((p) => [p.seq, p.finished])).toEqual([[2, true]]);
  });

  it('says when a trip is played out (its last position acknowledged), cancelled or handed on, and plays a finished trip once', async () => {
    const playedOut: string[] = [];
    const ended: string[] = [];
    const t = setup({ onPlayedOut: (ids) => playedOut.push(...ids), onEnded: (ids) => ended.push(...ids) });
    t.player.start(direction('done'), route);
    t.player.start(direction('stopped'), route);
    t.player.start(direction('moving'), route);
    t.player.tick();
    await t.publisher.flush();
    expect(playedOut).toEqual([]);
    t.player.cancel({ tripId: 'stopped' });
    expect(ended).toEqual(['stopped']);
    t.advance(1_000);
    t.player.tick();
    await t.publisher.flush();
    expect(playedOut).toEqual(['done', 'moving']);
    // A direction of a trip played out here (redelivered after a rebalance) is not played again.
    expect(t.player.refusal(direction('done'))).toBe('duplicate');
    expect(t.player.start(direction('done'), route)).toBe('duplicate');
    t.player.start(direction('late'), route);
    expect(await t.player.handOff()).toBe(1);
    expect(ended).toEqual(['stopped', 'late']);
  });
});
