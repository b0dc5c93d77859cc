import { describe, expect, it } from 'vitest';
import { createRegistry } from '@fleetlab/telemetry';
import type { NewPosition } from '@fleetlab/contracts';
import { ApiMetrics } from '../metrics/api-metrics';
import type { BatcherTimers } from './position-batcher';
import { PositionDispatcher, type SocketSink } from './position-dispatcher';

function position(seq: number, extra: Partial<NewPosition> = {}): NewPosition {
  return { routeId: '1', clientId: '', position: [-47.9, -15.8], finished: false, tripId: 't-1', vehicleId: 'v-1', seq, ts: '2026-11-25T10:00:00.000Z', ...extra };
}

function setup(sockets: string[], rooms: Record<string, number>) {
  const emits: Array<{ targets: string[]; event: string; payload: unknown }> = [];
  const sink: SocketSink = {
    hasSocket: (id) => sockets.includes(id),
    roomSize: (room) => rooms[room] ?? 0,
    emit: (targets, event, payload) => emits.push({ targets, event, payload }),
  };
  let tick: (() => void) | undefined;
  const timers: BatcherTimers = { setInterval: (cb) => ((tick = cb), 1), clearInterval: () => undefined };
  const metrics = new ApiMetrics(createRegistry('api-test'));
  const now = Date.parse('2026-11-25T10:00:01.500Z');
  const dispatcher = new PositionDispatcher(sink, metrics, 250, timers, () => now);
  dispatcher.start();
  return { emits, dispatcher, metrics, flush: () => tick?.() };
}

describe('PositionDispatcher', () => {
  it('emits new-position once to the asking socket and the trip room together', async () => {
    const { emits, dispatcher, metrics } = setup(['sock-1'], { 'trip:t-1': 2 });
    dispatcher.dispatch(position(0, { clientId: 'sock-1' }));
    expect(emits).toEqual([{ targets: ['sock-1', 'trip:t-1'], event: 'new-position', payload: position(0, { clientId: 'sock-1' }) }]);
    const emitted = await metrics.positionsEmitted.get();
    expect(emitted.values.filter((v) => v.value > 0).map((v) => v.labels.kind).sort()).toEqual(['client', 'trip']);
    const freshness = await metrics.positionFreshness.get();
    expect(freshness.values.find((v) => v.metricName?.endsWith('_sum') && v.labels.kind === 'client')?.value).toBeCloseTo(1.5);
  });

  it('emits nothing for a socket on another instance and rooms nobody is in', () => {
    const { emits, dispatcher, flush } = setup([], {});
    dispatcher.dispatch(position(0, { clientId: 'elsewhere', fleetId: 'f-1' }));
    flush();
    expect(emits).toEqual([]);
  });

  it('batches fleet rooms into one positions event per room and flush', () => {
    const { emits, dispatcher, flush } = setup([], { 'fleet:*': 1, 'fleet:f-1': 1 });
    dispatcher.dispatch(position(0, { fleetId: 'f-1' }));
    dispatcher.dispatch(position(1, { fleetId: 'f-2' }));
    dispatcher.dispatch(position(2, { fleetId: 'f-1' }));
    expect(emits).toEqual([]);
    flush();
    expect(emits.map((e) => [e.targets, e.event, (e.payload as NewPosition[]).map((p) => p.seq)])).toEqual([
      [['fleet:*'], 'positions', [0, 1, 2]],
      [['fleet:f-1'], 'positions', [0, 2]],
    ]);
  });

  it('sends an original position to its clientId socket only, as it came', async () => {
    const { emits, dispatcher, flush, metrics } = setup(['sock-1'], { 'fleet:*': 1 });
    const original = { routeId: '1', clientId: 'sock-1', position: [-47.9, -15.8] as [number, number], finished: false };
    dispatcher.dispatch(original);
    dispatcher.dispatch({ ...original, clientId: 'elsewhere' });
    flush();
    expect(emits).toEqual([{ targets: ['sock-1'], event: 'new-position', payload: original }]);
    const emitted = await metrics.positionsEmitted.get();
    expect(emitted.values.filter((v) => v.value > 0).map((v) => [v.labels.kind, v.value])).toEqual([['client', 1]]);
  });
});
