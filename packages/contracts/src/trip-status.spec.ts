import { describe, expect, it } from 'vitest';
import { TripStatus } from './routes';
import { tripStatus } from './trip-status';

describe('tripStatus', () => {
  it('is requested until something happens', () => {
    expect(tripStatus(undefined)).toBe('requested');
    expect(tripStatus('requested')).toBe('requested');
    expect(tripStatus('running')).toBe('running');
  });

  it('moves forward with positions: running, then finished', () => {
    expect(tripStatus(undefined, { positions: true })).toBe('running');
    expect(tripStatus('requested', { positions: true })).toBe('running');
    expect(tripStatus('requested', { positions: true, finished: true })).toBe('finished');
    expect(tripStatus('running', { finished: true })).toBe('finished');
  });

  it('never moves a finished or cancelled trip', () => {
    for (const facts of [{ positions: true }, { finished: true }, { fleetCancelled: true }]) {
      expect(tripStatus('finished', facts)).toBe('finished');
      expect(tripStatus('cancelled', facts)).toBe('cancelled');
    }
  });

  it('reports an unfinished trip of a cancelled fleet cancelled, even with positions still arriving', () => {
    expect(tripStatus('requested', { fleetCancelled: true })).toBe('cancelled');
    expect(tripStatus('running', { fleetCancelled: true, positions: true, finished: true })).toBe('cancelled');
    expect(tripStatus(undefined, { fleetCancelled: true })).toBe('cancelled');
  });

  it('answers a status of the contract for every combination', () => {
    for (const stored of [undefined, ...TripStatus.options]) {
      for (const positions of [false, true]) {
        for (const finished of [false, true]) {
          for (const fleetCancelled of [false, true]) {
            expect(TripStatus.options).toContain(tripStatus(stored, { positions, finished, fleetCancelled }));
          }
        }
      }
    }
  });
});
