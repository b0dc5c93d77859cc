import { NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { refuse } from '../admission/road-ledger';
import { directionRefusal } from './positions.gateway';

describe('directionRefusal', () => {
  it('names an unknown route and an unavailable api with stable codes', () => {
    expect(directionRefusal(new NotFoundException('route r not found'), 'r')).toEqual({ code: 'route_not_found', error: 'route r not found' });
    expect(directionRefusal(new ServiceUnavailableException('Kafka is not connected yet'), 'r').code).toBe('unavailable');
  });

  it('says which cap refused a trip', () => {
    const refusal = directionRefusal(refuse('API_MAX_VEHICLES_ON_ROAD', 10, 10, 1, 30, 'vehicles on the road'), 'r');
    expect(refusal.code).toBe('unavailable');
    expect(refusal.error).toContain('API_MAX_VEHICLES_ON_ROAD');
  });

  it('never passes an internal error text on', () => {
    const refusal = directionRefusal(new Error('E11000 duplicate key error collection: fleetlab.trips index: _id_'), 'r');
    expect(refusal).toEqual({ code: 'internal', error: 'the trip could not be started; the api logged why' });
  });
});
