// How a vehicle is drawn: this page's trips big in their own colour, fleet vehicles small in their fleet's, trips
// found on the road (another page's) small and grey; finished ones faded.
import type { TripsModel } from '../trips/trips-model';
import type { FleetsModel } from '../fleets/fleets-model';
import type { Vehicle } from '../vehicles/vehicle-store';
import type { VehicleStyle } from './vehicle-canvas-layer';

const USER_VEHICLE_RADIUS = 7;
const FLEET_VEHICLE_RADIUS = 4;
export const OTHER_TRIP_COLOR = '#555555';

export function styleOf(v: Vehicle, trips: TripsModel, fleets: FleetsModel): VehicleStyle {
  const trip = trips.byTripId(v.tripId);
  if (trip) return { color: trip.color, radius: USER_VEHICLE_RADIUS, faded: false };
  const fleet = v.fleetId ? fleets.find(v.fleetId) : undefined;
  return { color: fleet?.color ?? OTHER_TRIP_COLOR, radius: FLEET_VEHICLE_RADIUS, faded: v.finished };
}

/** Changes when a trip, fleet or colour appears or goes: only then must drawn vehicles be restyled. */
export function styleSignature(trips: TripsModel, fleets: FleetsModel): string {
  return (
    trips.get().map((t) => `${t.tripId ?? t.key}:${t.color}`).join(',') +
    '|' +
    fleets.get().map((f) => `${f.fleetId}:${f.color}`).join(',')
  );
}
