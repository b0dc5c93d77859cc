import { describe, expect, it } from 'vitest';
import type { TripDoc } from './trip.schema';
import { ListTripsQuery, StartTripBody, toTripView } from './trips.dto';

const doc: TripDoc = {
  _id: 't-1',
  routeId: '1',
  vehicleId: 'v-1',
  clientId: '',
  fleetId: 'f-1',
  status: 'running',
  requestedAt: new Date('2026-11-25T10:00:00Z'),
  count: 30,
  total: 120,
  paceMs: 500,
};

describe('toTripView', () => {
  it('reports progress as count / total and dates as ISO strings', () => {
    expect(toTripView(doc)).toEqual({
      tripId: 't-1',
      routeId: '1',
      vehicleId: 'v-1',
      clientId: '',
      fleetId: 'f-1',
      status: 'running',
      requestedAt: '2026-11-25T10:00:00.000Z',
      count: 30,
      total: 120,
      paceMs: 500,
      progress: 0.25,
    });
  });

  it('reports an unfinished trip of a cancelled fleet as cancelled, and leaves a finished one alone', () => {
    const at = new Date('2026-11-25T11:00:00Z');
    expect(toTripView(doc, at)).toMatchObject({ status: 'cancelled', cancelledAt: '2026-11-25T11:00:00.000Z' });
    expect(toTripView({ ...doc, status: 'finished' }, at).status).toBe('finished');
  });
});

describe('trip request schemas', () => {
  it('coerces list paging from query strings, with defaults and bounds', () => {
    expect(ListTripsQuery.parse({ limit: '10', offset: '20' })).toEqual({ limit: 10, offset: 20 });
    expect(ListTripsQuery.parse({})).toEqual({ limit: 50, offset: 0 });
    expect(ListTripsQuery.safeParse({ limit: '501' }).success).toBe(false);
  });

  it('wants a routeId and an integer pace', () => {
    expect(StartTripBody.safeParse({ routeId: '1', paceMs: 20 }).success).toBe(true);
    expect(StartTripBody.safeParse({ paceMs: 1.5 }).success).toBe(false);
  });
});
