import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { Route } from '@fleetlab/contracts';
import { MAX_WRITE_STATEMENTS } from '@fleetlab/runtime';
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

  /** Seeds the default routes before the server listens; upserts by id, so restarts never duplicate them. */
  async onApplicationBootstrap(): Promise<void> {
    const seeds = routesFromGeoJson(JSON.parse(await readFile(SEED_FILE, 'utf8')));
    await this.upsert(seeds, 'seed');
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

  /** Generates and upserts `gen-<seed>-<i>` routes: the same request twice leaves the same routes. */
  async generate(options: GenerateOptions): Promise<RouteSummary[]> {
    const routes = generateRoutes(options);
    await this.upsert(routes, 'generated');
    return routes.map((r) => ({
      id: r.id,
      title: r.title,
      startPosition: r.startPosition,
      endPosition: r.endPosition,
      pointCount: r.points.length,
      source: 'generated',
    }));
  }

  /** Upsert by id in chunked bulk writes; `createdAt` is kept from the first insert. */
  private async upsert(routes: Route[], source: RouteSource): Promise<void> {
    const now = new Date();
    for (let i = 0; i < routes.length; i += MAX_WRITE_STATEMENTS) {
      await this.routes.collection.bulkWrite(
        routes.slice(i, i + MAX_WRITE_STATEMENTS).map((r) => ({
          updateOne: {
            filter: { _id: r.id as never },
            update: {
              $set: {
                title: r.title,
                startPosition: r.startPosition,
                endPosition: r.endPosition,
                points: toStoredPoints(r.points),
                pointCount: r.points.length,
                source,
                updatedAt: now,
              },
              $setOnInsert: { createdAt: now },
            },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    }
  }
}
