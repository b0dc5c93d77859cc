import { describe, expect, it } from 'vitest';
import { fleetProgressSet, fleetVehicleIndex } from '@fleetlab/contracts';
import { vehiclesOnRoute } from '../fleets/fleets.service';
import { countStatuses, fleetIndexes, fleetStatuses, mapLimit, pagesOf, slotField, type ProgressDoc } from './read-model';

describe('fleet progress', () => {
  it('derives each vehicle status from set-once flags: finished over cancelled over running over requested', () => {
    const blocks = new Map<number, ProgressDoc>([
      [0, { _id: 'f#0', running: { 0: 1, 1: 1, 2: 1 }, finished: { 1: 1 }, cancelled: { 2: 1 } }],
      [1, { _id: 'f#1', running: { 0: 1 } }],
    ]);
    const statuses = fleetStatuses(1002, blocks, false);
    expect(statuses.slice(0, 4)).toEqual(['running', 'finished', 'cancelled', 'requested']);
    expect(statuses[1000]).toBe('running');
    expect(statuses[1001]).toBe('requested');
    expect(countStatuses(statuses)).toEqual({ requested: 998, running: 2, finished: 1, cancelled: 1 });
  });

  it('reports the unfinished trips of a cancelled fleet cancelled', () => {
    const blocks = new Map<number, ProgressDoc>([[0, { _id: 'f#0', running: { 0: 1, 1: 1 }, finished: { 1: 1 } }]]);
    expect(fleetStatuses(3, blocks, true)).toEqual(['cancelled', 'finished', 'cancelled']);
  });

  it('names vehicles and flags by index, and nothing else', () => {
    expect(fleetVehicleIndex('f-1', 'f-1-v1234')).toBe(1234);
    expect(fleetVehicleIndex('f-1', 'f-1-v01')).toBeUndefined();
    expect(fleetVehicleIndex('f-1', 'f-2-v1')).toBeUndefined();
    expect(fleetVehicleIndex('f-1', 'vehicle-x')).toBeUndefined();
    expect(fleetProgressSet(1234, 'finished')).toEqual({ 'finished.234': 1 });
    expect(fleetProgressSet(5, 'requested')).toBeUndefined();
  });
});

describe('trip index layout', () => {
  it('maps slots to pages of 200', () => {
    expect(slotField(0)).toEqual({ page: 0, field: 'ids.0' });
    expect(slotField(450)).toEqual({ page: 2, field: 'ids.450' });
    expect(pagesOf(150, 450)).toEqual([0, 1, 2]);
    expect(pagesOf(5, 5)).toEqual([]);
  });

  it('lists a fleet highest vehicle first', () => {
    expect(fleetIndexes(5, (i) => i !== 2)).toEqual([4, 3, 1, 0]);
  });

  it('counts the vehicles of a fleet on each route, taken round-robin', () => {
    const routes = ['a', 'b', 'c'];
    expect(['a', 'b', 'c'].map((r) => vehiclesOnRoute(routes, r, 7))).toEqual([3, 2, 2]);
    expect(vehiclesOnRoute(routes, 'c', 2)).toBe(0);
  });

  it('runs work at bounded concurrency, keeping order', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([1, 2, 3, 4, 5], 2, async (n) => {
      peak = Math.max(peak, ++active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active--;
      return n * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10]);
    expect(peak).toBe(2);
  });
});
