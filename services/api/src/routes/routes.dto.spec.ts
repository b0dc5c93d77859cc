import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CreateRouteBody, GenerateRoutesBody, routeFromBody, routesFromGeoJson } from './routes.dto';

describe('CreateRouteBody', () => {
  it('accepts a GeoJSON LineString', () => {
    const body = CreateRouteBody.parse({
      title: 'A',
      geometry: { type: 'LineString', coordinates: [[-47.9, -15.8], [-47.91, -15.81], [-47.92, -15.8]] },
    });
    expect(routeFromBody(body, 'r-1')).toEqual({
      id: 'r-1',
      title: 'A',
      startPosition: [-47.9, -15.8],
      endPosition: [-47.92, -15.8],
      points: [[-47.9, -15.8], [-47.91, -15.81], [-47.92, -15.8]],
    });
  });

  it('accepts a list of points and keeps a given id', () => {
    const body = CreateRouteBody.parse({ id: 'mine', title: 'B', points: [[1, 2], [3, 4]] });
    expect(routeFromBody(body, 'unused')).toMatchObject({ id: 'mine', startPosition: [1, 2], endPosition: [3, 4] });
  });

  it('names a coordinate out of range by its path', () => {
    const result = CreateRouteBody.safeParse({ title: 'C', points: [[1, 2], [181, 4]] });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues.map((i) => i.path.join('.'))).toEqual(['points.1.0']);
  });

  it('rejects a latitude out of range inside a geometry', () => {
    const result = CreateRouteBody.safeParse({ title: 'C', geometry: { type: 'LineString', coordinates: [[1, 2], [3, -91]] } });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues[0]?.path.join('.')).toBe('geometry.coordinates.1.1');
  });

  it('rejects fewer than 2 points, a wrong geometry type, and lat/lng given as strings', () => {
    expect(CreateRouteBody.safeParse({ title: 'D', points: [[1, 2]] }).success).toBe(false);
    expect(CreateRouteBody.safeParse({ title: 'D', geometry: { type: 'Point', coordinates: [[1, 2], [3, 4]] } }).success).toBe(false);
    expect(CreateRouteBody.safeParse({ title: 'D', points: [['1', '2'], ['3', '4']] }).success).toBe(false);
  });

  it('wants exactly one of geometry or points', () => {
    const neither = CreateRouteBody.safeParse({ title: 'E' });
    const both = CreateRouteBody.safeParse({
      title: 'E',
      points: [[1, 2], [3, 4]],
      geometry: { type: 'LineString', coordinates: [[1, 2], [3, 4]] },
    });
    for (const result of [neither, both]) {
      expect(result.success).toBe(false);
      if (!result.success) expect(result.error.issues[0]?.path).toEqual(['geometry']);
    }
  });

  it('rejects a missing title and an id with a slash', () => {
    const result = CreateRouteBody.safeParse({ id: 'a/b', points: [[1, 2], [3, 4]] });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues.map((i) => i.path.join('.')).sort()).toEqual(['id', 'title']);
  });
});

describe('GenerateRoutesBody', () => {
  it('bounds count and points', () => {
    expect(GenerateRoutesBody.safeParse({ seed: 1, count: 1000, points: 500 }).success).toBe(true);
    expect(GenerateRoutesBody.safeParse({ seed: 1, count: 1001 }).success).toBe(false);
    expect(GenerateRoutesBody.safeParse({ seed: 1, count: 1, points: 9 }).success).toBe(false);
    expect(GenerateRoutesBody.safeParse({ seed: 1.5, count: 1 }).success).toBe(false);
  });
});

describe('routesFromGeoJson', () => {
  it('reads the three seed routes', () => {
    const json: unknown = JSON.parse(readFileSync(join(__dirname, '..', '..', 'data', 'routes.geojson'), 'utf8'));
    const routes = routesFromGeoJson(json);
    expect(routes.map((r) => r.id)).toEqual(['1', '2', '3']);
    for (const route of routes) {
      expect(route.points.length).toBeGreaterThanOrEqual(2);
      expect(route.startPosition).toEqual(route.points[0]);
      expect(route.endPosition).toEqual(route.points[route.points.length - 1]);
    }
  });
});
