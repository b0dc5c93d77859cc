import { FleetLimits, MAX_VEHICLES } from '@fleetlab/contracts';
import { describe, expect, it } from 'vitest';
import { RoadLedger } from '../admission/road-ledger';
import type { AppConfig } from '../config';
import type { TripsService } from '../trips/trips.service';
import { FleetsService } from './fleets.service';

describe('FleetsService.limits', () => {
  it('answers the caps admission applies and the vehicles on the road now, from the ledger', () => {
    let now = 0;
    const road = new RoadLedger(50, () => now);
    const config = { API_MAX_ROUTES_PER_REQUEST: 900 } as AppConfig;
    // limits() reads only the ledger and the config: the models, Kafka, routes, metrics and index are never reached.
    const fleets = new FleetsService(undefined as never, undefined as never, undefined as never, { road } as TripsService, undefined as never, undefined as never, config, undefined as never, undefined as never);
    expect(fleets.limits()).toEqual({
      maxFleetVehicles: MAX_VEHICLES,
      vehiclesOnRoad: { name: 'API_MAX_VEHICLES_ON_ROAD', limit: 50, current: 0 },
      routesPerRequest: { name: 'API_MAX_ROUTES_PER_REQUEST', limit: 900 },
    });
    road.admit(30, 1000, 'f1');
    expect(fleets.limits().vehiclesOnRoad.current).toBe(30);
    now = 1000 + 60_000;
    expect(fleets.limits().vehiclesOnRoad.current).toBe(0);
    expect(FleetLimits.safeParse(fleets.limits()).success).toBe(true);
  });
});
