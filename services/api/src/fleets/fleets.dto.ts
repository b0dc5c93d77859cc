/** Fleet request shapes: their schemas are in @fleetlab/contracts (http.ts); here, what the api makes of them. */
import { CreateFleetBody, MAX_VEHICLES } from '@fleetlab/contracts';

export { CreateFleetBody, MAX_VEHICLES };

/** A generated fleet gets one route per vehicle up to this many distinct routes, then reuses them round-robin. */
export const MAX_GENERATED_ROUTES = 1000;

/** Route of vehicle i: the routes are taken round-robin. */
export function routeForVehicle(routeIds: readonly string[], vehicle: number): string {
  return routeIds[vehicle % routeIds.length]!;
}
