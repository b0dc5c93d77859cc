import { ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it, vi } from 'vitest';
import type { NewDirection } from '@fleetlab/contracts';
import type { ValidMessage } from '@fleetlab/runtime';
import { createLogger, Registry } from '@fleetlab/telemetry';
import { DirectionIntake } from './direction-intake';
import { SimulatorMetrics } from './metrics';
import { RouteFetchError, type RouteLookup } from './route-client';

const logger = createLogger('simulator-test', { level: 'silent' });
const points: Array<[number, number]> = [
  [0, 0],
  [1, 1],
];

function message(tripId: string, routeId: string, extra: Partial<NewDirection> = {}): ValidMessage<NewDirection> {
  return {
    value: { clientId: '', routeId, tripId, vehicleId: 'v', ...extra },
    key: tripId,
    partition: 0,
    offset: '0',
    raw: null,
    headers: {},
    timestamp: 0,
    context: ROOT_CONTEXT,
  };
}

function setup(lookup: (id: string) => Promise<RouteLookup>) {
  const player = { refusal: vi.fn(() => undefined), start: vi.fn(() => 'added' as const) };
  const deadLetter = vi.fn(async () => undefined);
  const routes = { get: vi.fn(lookup) };
  const metrics = new SimulatorMetrics(new Registry(), { activeTrips: () => 0, pendingPositions: () => 0, routeCacheSize: () => 0 });
  const intake = new DirectionIntake({ routes, player, deadLetter, metrics, logger });
  return { intake, player, deadLetter, routes };
}

describe('DirectionIntake', () => {
  it('looks each route up once per batch and starts every trip', async () => {
    const t = setup(async (id) => ({ ok: true, route: { id, points } }));
    await t.intake.handle([message('a', '1'), message('b', '1'), message('c', '2')]);
    expect(t.routes.get.mock.calls).toEqual([['1'], ['2']]);
    expect(t.player.start).toHaveBeenCalledTimes(3);
    expect(t.deadLetter).toHaveBeenCalledWith([]);
  });

  it('dead-letters directions on an unknown route or past its end, and plays the rest', async () => {
    const t = setup(async (id) => (id === 'x' ? { ok: false, reason: 'unknown route x' } : { ok: true, route: { id, points } }));
    await t.intake.handle([message('a', 'x'), message('b', '1', { fromSeq: 2 }), message('c', '1')]);
    expect(t.deadLetter.mock.calls[0]).toEqual([
      [
        { message: message('a', 'x'), reason: 'unknown route x' },
        { message: message('b', '1', { fromSeq: 2 }), reason: 'fromSeq 2 past the end of route 1 (2 points)' },
      ],
    ]);
    expect(t.player.start.mock.calls.map((c) => (c as unknown[])[0])).toEqual([message('c', '1').value]);
  });

  it('starts nothing and throws when a route cannot be fetched, so the batch is redelivered', async () => {
    const t = setup(async (id) => {
      if (id === 'down') throw new RouteFetchError('route down: 503');
      return { ok: true, route: { id, points } };
    });
    await expect(t.intake.handle([message('a', '1'), message('b', 'down')])).rejects.toBeInstanceOf(RouteFetchError);
    expect(t.player.start).not.toHaveBeenCalled();
    expect(t.deadLetter).not.toHaveBeenCalled();
  });
});
