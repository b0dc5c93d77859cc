import { describe, expect, it } from 'vitest';
import { GENERATE_BODY, loadRouteIds, loadRoutesPresent, ROUTE_COUNT, ROUTE_POINTS } from './routes.ts';

describe('load routes', () => {
  it('are the api generated ids of one fixed seed', () => {
    expect(loadRouteIds()).toHaveLength(ROUTE_COUNT);
    expect(loadRouteIds()[0]).toBe(`gen-${GENERATE_BODY.seed}-0`);
  });

  it('are generated only when missing or of another length', () => {
    const all = loadRouteIds().map((id) => ({ id, pointCount: ROUTE_POINTS }));
    expect(loadRoutesPresent(all)).toBe(true);
    expect(loadRoutesPresent(all.slice(1))).toBe(false);
    expect(loadRoutesPresent(all.map((r) => ({ ...r, pointCount: 60 })))).toBe(false);
  });
});
