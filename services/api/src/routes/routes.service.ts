import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { Route } from '@fleetlab/contracts';
import { chunks } from '@fleetlab/runtime';
import type { Logger } from '@fleetlab/telemetry';
import { LOGGER } from '../common/logger';
import { ROUTE_MODEL, fromStoredPoints, toStoredPoints, type RouteDoc, type RouteSource } from './route.schema';
import { generateRoutes, type GenerateOptions } from './route-generator';
import { routesFromGeoJson } from './routes.dto';

/** Relative to the package, so it works from src (tests) and dist (runtime) alike. */
export const SEED_FILE = join(__dirname, '..', '..', 'data', 'routes.geojson');

export interface RouteSummary {
  id: string;
  title: string;
  startPosition: Route['startPosition'];
  endPosition: Route['endPosition'];
  pointCount: number;
  source: RouteSource;
}

const SUMMARY_PROJECTION = { title: 1, startPosition: 1, endPosition: 1, pointCount: 1, source: 1 } as const;

function toSummary(doc: Omit<RouteDoc, 'points'>): RouteSummary {
  return {
    id: doc._id,
    title: doc.title,
    startPosition: doc.startPosition,
    endPosition: doc.endPosition,
    pointCount: doc.pointCount,
    source: doc.source,
  };
}

export function toRoute(doc: RouteDoc): Route {
  return { id: doc._id, title: doc.title, startPosition: doc.startPosition, endPosition: doc.endPosition, points: fromStoredPoints(doc.points) };
}

@Injectable()
export class RoutesService implements OnApplicationBootstrap {
  constructor(
    @InjectModel(ROUTE_MODEL) private readonly routes: Model<RouteDoc>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Seeds the default routes before the server listens; inserts the missing ones by id, so restarts never duplicate them. */
  async onApplicationBootstrap(): Promise<void> {
    const seeds = routesFromGeoJson(JSON.parse(await readFile(SEED_FILE, 'utf8')));
    await this.insertMissing(seeds, 'seed');
    this.logger.info({ routes: seeds.map((r) => r.id) }, 'seed routes in place');
  }

  async list(): Promise<RouteSummary[]> {
    const docs = await this.routes.find({}, SUMMARY_PROJECTION).sort({ _id: 1 }).lean<Array<Omit<RouteDoc, 'points'>>>();
    return docs.map(toSummary);
  }

  async get(id: string): Promise<Route> {
    const doc = await this.routes.findById(id).lean<RouteDoc>();
    if (!doc) throw new NotFoundException(`route ${id} not found`);
    return toRoute(doc);
  }

  /** Point counts of the given routes; the ids that do not exist are absent from the map. */
  async pointCounts(ids: string[]): Promise<Map<string, number>> {
    const docs = await this.routes
      .find({ _id: { $in: ids } }, { pointCount: 1 })
      .lean<Array<Pick<RouteDoc, '_id' | 'pointCount'>>>();
    return new Map(docs.map((d) => [d._id, d.pointCount]));
  }

  /** The seed routes' ids, for fleets given neither routes nor a generator. */
  async seedRouteIds(): Promise<string[]> {
    const docs = await this.routes.find({ source: 'seed' }, { _id: 1 }).sort({ _id: 1 }).lean<Array<{ _id: string }>>();
    return docs.map((d) => d._id);
  }

  async create(route: Omit<Route, 'id'> & { id?: string }): Promise<Route> {
    const id = route.id ?? `route-${randomUUID()}`;
    const now = new Date();
    try {
      await this.routes.collection.insertOne({
        _id: id,
        title: route.title,
        startPosition: route.startPosition,
        endPosition: route.endPosition,
        points: toStoredPoints(route.points),
        pointCount: route.points.length,
        source: 'user',
        createdAt: now,
      } as never);
    } catch (error) {
      if ((error as { code?: number }).code === 11000) throw new ConflictException(`route ${id} already exists`);
      throw error;
    }
    return { id, title: route.title, startPosition: route.startPosition, endPosition: route.endPosition, points: route.points };
  }

  /** Generates `gen-<seed>-<i>` routes and stores those not stored yet: the same request twice leaves the same routes. */
  async generate(options: GenerateOptions): Promise<RouteSummary[]> {
    const routes = generateRoutes(options);
    await this.insertMissing(routes, 'generated');
    return routes.map((r) => ({
      id: r.id,
      title: r.title,
      startPosition: r.startPosition,
      endPosition: r.endPosition,
      pointCount: r.points.length,
      source: 'generated',
    }));
  }

  /**
   * Inserts the routes whose id is not stored yet and leaves the others as they are: the same request twice leaves the
   * same routes. Inserts only, never updates: FerretDB on SQLite rewrites a whole table per updated document, and a
   * batch of updates to large route documents has been seen never to answer.
   */
  private async insertMissing(routes: Route[], source: RouteSource): Promise<void> {
    const now = new Date();
    for (const chunk of chunks(routes)) {
      const existing = await this.routes.collection
        .find({ _id: { $in: chunk.map((r) => r.id) as never[] } }, { projection: { _id: 1 } })
        .toArray();
      const stored = new Set(existing.map((d) => String(d._id)));
      const missing = chunk.filter((r) => !stored.has(r.id));
      if (missing.length === 0) continue;
      try {
        await this.routes.collection.insertMany(
          missing.map((r) => ({
            _id: r.id,
            title: r.title,
            startPosition: r.startPosition,
            endPosition: r.endPosition,
            points: toStoredPoints(r.points),
            pointCount: r.points.length,
            source,
            createdAt: now,
          })) as never[],
          { ordered: false },
        );
      } catch (error) {
        // Another request inserted some of them first: they are there, which is all that matters.
        if ((error as { code?: number }).code !== 11000 && !isDuplicatesOnly(error)) throw error;
      }
    }
  }
}

function isDuplicatesOnly(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: Array<{ code?: number }> | { code?: number } }).writeErrors;
  if (!writeErrors) return false;
  const list = Array.isArray(writeErrors) ? writeErrors : [writeErrors];
  return list.length > 0 && list.every((w) => w.code === 11000);
}
