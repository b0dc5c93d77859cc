/**
 * The generated routes the fleets of a load run drive on, shared by k6 and the driver. The set is fixed (seed, count
 * and length never change), so it is generated once per lab and found again by every later run: re-generating routes
 * that exist rewrites them, and on the lab's FerretDB that is slow enough to stall the database for other requests.
 * Pure.
 */
export const ROUTE_SEED = 4242;
export const ROUTE_COUNT = 50;
/** 240 points: two minutes per trip at the api's default 500 ms pace. Longer runs replace fleets that finished. */
export const ROUTE_POINTS = 240;

/** The ids the api gives generated routes: `gen-<seed>-<i>`. */
export function loadRouteIds(): string[] {
  return Array.from({ length: ROUTE_COUNT }, (_, i) => `gen-${ROUTE_SEED}-${i}`);
}

export interface RouteSummaryLike {
  id: string;
  pointCount?: number;
}

/** True when GET /routes already holds the whole set at the right length, so no generation is needed. */
export function loadRoutesPresent(summaries: readonly RouteSummaryLike[]): boolean {
  const byId = new Map(summaries.map((r) => [r.id, r]));
  return loadRouteIds().every((id) => byId.get(id)?.pointCount === ROUTE_POINTS);
}

export const GENERATE_BODY = { seed: ROUTE_SEED, count: ROUTE_COUNT, points: ROUTE_POINTS } as const;
