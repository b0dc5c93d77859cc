import { describe, expect, it } from 'vitest';
import type { LngLat } from '@fleetlab/contracts';
import { BRASILIA, generateRoute, generateRoutes, mulberry32 } from './route-generator';

function haversineMetres([lng1, lat1]: LngLat, [lng2, lat2]: LngLat): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLng = (lng2 - lng1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(a));
}

/** Heading of a segment in degrees, on a local flat projection. */
function heading(from: LngLat, to: LngLat): number {
  const east = (to[0] - from[0]) * Math.cos((from[1] * Math.PI) / 180);
  const north = to[1] - from[1];
  return (Math.atan2(north, east) * 180) / Math.PI;
}

function turnDegrees(a: number, b: number): number {
  const d = Math.abs(((b - a + 540) % 360) - 180);
  return d;
}

describe('mulberry32', () => {
  it('is deterministic and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    for (let i = 0; i < 1000; i++) {
      const value = a();
      expect(value).toBe(b());
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});

describe('generateRoutes', () => {
  it('gives byte-identical output for the same input', () => {
    const once = JSON.stringify(generateRoutes({ seed: 42, count: 20 }));
    const again = JSON.stringify(generateRoutes({ seed: 42, count: 20 }));
    expect(again).toBe(once);
  });

  it('differs between seeds and between routes of one seed', () => {
    const [a, b] = generateRoutes({ seed: 1, count: 2 });
    const [c] = generateRoutes({ seed: 2, count: 1 });
    expect(JSON.stringify(a!.points)).not.toBe(JSON.stringify(b!.points));
    expect(JSON.stringify(a!.points)).not.toBe(JSON.stringify(c!.points));
  });

  it('makes route i the same whatever the count, with ids gen-<seed>-<i>', () => {
    const few = generateRoutes({ seed: 7, count: 3 });
    const many = generateRoutes({ seed: 7, count: 50 });
    expect(few.map((r) => r.id)).toEqual(['gen-7-0', 'gen-7-1', 'gen-7-2']);
    expect(many.slice(0, 3)).toEqual(few);
  });

  it('honours the point count and the centre, with start and end positions', () => {
    const route = generateRoute(3, 0, [2.3522, 48.8566], 123);
    expect(route.points).toHaveLength(123);
    expect(route.startPosition).toEqual(route.points[0]);
    expect(route.endPosition).toEqual(route.points[122]);
    for (const point of route.points) {
      expect(haversineMetres(point, [2.3522, 48.8566])).toBeLessThan(3_000);
    }
    expect(generateRoute(3, 0).points).toHaveLength(60);
    expect(haversineMetres(generateRoute(3, 0).points[0]!, BRASILIA)).toBeLessThan(3_000);
  });

  it('is street-like: points 10–30 m apart, straight or right-angle turns, some of each', () => {
    let turns = 0;
    let straights = 0;
    for (const route of generateRoutes({ seed: 2026, count: 50, points: 200 })) {
      const { points } = route;
      for (let i = 1; i < points.length; i++) {
        const d = haversineMetres(points[i - 1]!, points[i]!);
        expect(d).toBeGreaterThanOrEqual(10);
        expect(d).toBeLessThanOrEqual(30);
      }
      for (let i = 2; i < points.length; i++) {
        const turn = turnDegrees(heading(points[i - 2]!, points[i - 1]!), heading(points[i - 1]!, points[i]!));
        const isStraight = turn < 3;
        const isRightAngle = Math.abs(turn - 90) < 3;
        expect(isStraight || isRightAngle, `${route.id} point ${i}: turn of ${turn.toFixed(1)}°`).toBe(true);
        if (isRightAngle) turns++;
        else straights++;
      }
    }
    expect(turns).toBeGreaterThan(0);
    // Mostly straight: blocks have 4–6 points and about a third of intersections turn.
    expect(straights).toBeGreaterThan(turns * 5);
  });
});
