/**
 * Deterministic synthetic street-like routes, so fleets of thousands of vehicles need no route catalogue.
 * Pure: the same (seed, index, center, points) always gives byte-identical coordinates. Never uses Math.random.
 *
 * A route is a walk on a grid of square blocks (BLOCK_METERS apart) around the centre: it goes straight along a
 * street and, at an intersection, sometimes turns 90° left or right (never back). Each block is cut into 4–6 equal
 * steps, so points are 16.7–25 m apart and every turn happens on an intersection point.
 */
import type { LngLat, Route } from '@fleetlab/contracts';

export const BRASILIA: LngLat = [-47.8825, -15.7942];
export const DEFAULT_POINTS = 60;
export const BLOCK_METERS = 100;
/** Blocks from the start a walk may wander before it is steered back, so routes stay in the neighbourhood. */
const MAX_BLOCKS_FROM_CENTRE = 15;
/** Starting intersections are spread over this many blocks around the centre. */
const START_SPREAD_BLOCKS = 8;
const TURN_PROBABILITY = 0.3;
/** Metres per degree of latitude on the mean Earth sphere (R = 6,371,008.8 m), what haversine measures with. */
const METRES_PER_DEGREE = (Math.PI * 6_371_008.8) / 180;

export interface GenerateOptions {
  seed: number;
  count: number;
  center?: LngLat;
  points?: number;
}

/** mulberry32: a tiny, fast 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes the fleet seed and the route index into one 32-bit seed, so route i does not depend on how many are made. */
function routeSeed(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

export function generatedRouteId(seed: number, index: number): string {
  return `gen-${seed}-${index}`;
}

type Direction = readonly [number, number];
const DIRECTIONS: readonly Direction[] = [
  [1, 0],
  [0, 1],
  [-1, 0],
  [0, -1],
];

function round6(value: number): number {
  // Six decimals is ~0.1 m: plenty for a map, and keeps the JSON short and stable.
  return Math.round(value * 1e6) / 1e6;
}

/** One route: `points` positions, `[lng, lat]`. */
export function generateRoute(seed: number, index: number, center: LngLat = BRASILIA, points = DEFAULT_POINTS): Route {
  const random = mulberry32(routeSeed(seed, index));
  const pick = (n: number): number => Math.floor(random() * n);

  // Grid coordinates in metres; x east, y north. Start on an intersection.
  let x = (pick(2 * START_SPREAD_BLOCKS + 1) - START_SPREAD_BLOCKS) * BLOCK_METERS;
  let y = (pick(2 * START_SPREAD_BLOCKS + 1) - START_SPREAD_BLOCKS) * BLOCK_METERS;
  let heading = pick(4);
  const walk: Array<[number, number]> = [[x, y]];
  let firstBlock = true;

  while (walk.length < points) {
    const left = (heading + 1) % 4;
    const right = (heading + 3) % 4;
    if (!firstBlock && random() < TURN_PROBABILITY) heading = random() < 0.5 ? left : right;
    if (leaves(x, y, DIRECTIONS[heading]!)) {
      // Steer back with a right angle, never a U-turn: left and right are opposite, so one of them stays inside.
      heading = leaves(x, y, DIRECTIONS[left]!) ? right : left;
    }
    firstBlock = false;
    const [dx, dy] = DIRECTIONS[heading]!;
    const steps = 4 + pick(3);
    const startX = x;
    const startY = y;
    for (let s = 1; s <= steps && walk.length < points; s++) {
      // Multiply from the block's start rather than accumulate, so an intersection lands exactly on the grid.
      x = startX + (dx * BLOCK_METERS * s) / steps;
      y = startY + (dy * BLOCK_METERS * s) / steps;
      walk.push([x, y]);
    }
  }

  const [lng0, lat0] = center;
  const metresPerDegreeLng = METRES_PER_DEGREE * Math.cos((lat0 * Math.PI) / 180);
  const coordinates: LngLat[] = walk.map(([px, py]) => [round6(lng0 + px / metresPerDegreeLng), round6(lat0 + py / METRES_PER_DEGREE)]);
  return {
    id: generatedRouteId(seed, index),
    title: `Generated ${seed}-${index}`,
    startPosition: coordinates[0]!,
    endPosition: coordinates[coordinates.length - 1]!,
    points: coordinates,
  };
}

function leaves(x: number, y: number, [dx, dy]: Direction): boolean {
  const limit = MAX_BLOCKS_FROM_CENTRE * BLOCK_METERS;
  return Math.abs(x + dx * BLOCK_METERS) > limit || Math.abs(y + dy * BLOCK_METERS) > limit;
}

/** Routes `gen-<seed>-0` … `gen-<seed>-<count-1>`. */
export function generateRoutes(options: GenerateOptions): Route[] {
  const routes: Route[] = [];
  for (let i = 0; i < options.count; i++) {
    routes.push(generateRoute(options.seed, i, options.center ?? BRASILIA, options.points ?? DEFAULT_POINTS));
  }
  return routes;
}
