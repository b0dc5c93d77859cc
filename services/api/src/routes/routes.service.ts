import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { Route, RouteSummary } from '@fleetlab/contracts';
import { alreadyStored, chunks } from '@fleetlab/runtime';
import type { Logger } from '@fleetlab/telemetry';
import { LOGGER } from '../common/logger';
import { ROUTE_MODEL, fromStoredPoints, toStoredPoints, type RouteDoc, type RouteSource } from './route.schema';
import { generateRoutes, type GenerateOptions } from './route-generator';
import { routesFromGeoJson } from './routes.dto';
import { collectionOf } from '../database/collection';

/** Relative to the package, so it works from src (tests) and dist (runtime) alike. */
export const SEED_FILE = join(__dirname, '..', '..', 'data', 'routes.geojson');

export type { RouteSummary };

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

function summaryOf(route: Route, source: RouteSource): RouteSummary {
  const { id, title, startPosition, endPosition, points } = route;
  return { id, title, startPosition, endPosition, pointCount: points.length, source };
}

export function toRoute(doc: RouteDoc): Route {
  return { id: doc._id, title: doc.title, startPosition: doc.startPosition, endPosition: doc.endPosition, points: fromStoredPoints(doc.points) };
}

/** After this, GET /routes still answers from memory but reads the list again: another instance's routes show up. */
export const ROUTE_LIST_TTL_MS = 2_000;
/** Route point counts kept in memory; past this the map starts over. */
const MAX_KNOWN_ROUTES = 100_000;

@Injectable()
export class RoutesService {
  /**
   * Point counts of routes known to be stored. Routes are inserted when missing and never updated or deleted, so
   * what was read or written of one stays true: a fleet's routes are checked without reading them again. Reading
   * them means a scan of the routes table on FerretDB (an `$in` is not pushed down), hundreds of ms under load.
   */
  private readonly knownPointCounts = new Map<string, number>();
  /** The route list as last read, with what this instance stored since merged in. */
  private listed?: { at: number; summaries: RouteSummary[] };
  private listing?: Promise<RouteSummary[]>;
  /** Summaries of the routes this instance stored, merged into every list read (a read may predate them). */
  private readonly stored = new Map<string, RouteSummary>();

  constructor(
    @InjectModel(ROUTE_MODEL) private readonly routes: Model<RouteDoc>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Seeds the default routes (a start-up step); inserts the missing ones by id, so restarts never duplicate them. */
  async seed(): Promise<void> {
    const seeds = routesFromGeoJson(JSON.parse(await readFile(SEED_FILE, 'utf8')));
    await this.insertMissing(seeds, 'seed');
    this.logger.info({ routes: seeds.map((r) => r.id) }, 'seed routes in place');
  }

  /**
   * Every route's summary, from memory once read: reading it is a scan that decodes every route's points on FerretDB
   * (400 ms under load). Older than ROUTE_LIST_TTL_MS, it is read again in the background. Routes are never updated
   * or deleted, so the list only grows, and the routes this instance stores are in it at once.
   */
  async list(): Promise<RouteSummary[]> {
    if (!this.listed) return this.readList();
    if (Date.now() - this.listed.at >= ROUTE_LIST_TTL_MS) {
      this.readList().catch((error: unknown) => this.logger.warn({ err: error }, 'route list not read again, serving the one in memory'));
    }
    return this.listed.summaries;
  }

  private readList(): Promise<RouteSummary[]> {
    this.listing ??= this.routes
      .find({}, SUMMARY_PROJECTION)
      .sort({ _id: 1 })
      .lean<Array<Omit<RouteDoc, 'points'>>>()
      .then((docs) => {
        const summaries = withStored(docs.map(toSummary), this.stored.values());
        this.listed = { at: Date.now(), summaries };
        return summaries;
      })
      .finally(() => {
        this.listing = undefined;
      });
    return this.listing;
  }

  private addStored(summaries: RouteSummary[]): void {
    if (this.stored.size + summaries.length > MAX_KNOWN_ROUTES) this.stored.clear();
    for (const summary of summaries) this.stored.set(summary.id, summary);
    if (this.listed) this.listed = { at: this.listed.at, summaries: withStored(this.listed.summaries, summaries) };
  }

  async get(id: string): Promise<Route> {
    const doc = await this.routes.findById(id).lean<RouteDoc>();
    if (!doc) throw new NotFoundException(`route ${id} not found`);
    return toRoute(doc);
  }

  /** Point counts of the given routes; the ids that do not exist are absent from the map. */
  async pointCounts(ids: string[]): Promise<Map<string, number>> {
    const unknown = ids.filter((id) => !this.knownPointCounts.has(id));
    if (unknown.length > 0) {
      const docs = await this.routes
        .find({ _id: { $in: unknown } }, { pointCount: 1 })
        .lean<Array<Pick<RouteDoc, '_id' | 'pointCount'>>>();
      for (const d of docs) this.remember(d._id, d.pointCount);
    }
    const counts = new Map<string, number>();
    for (const id of ids) {
      const count = this.knownPointCounts.get(id);
      if (count !== undefined) counts.set(id, count);
    }
    return counts;
  }

  private remember(id: string, pointCount: number): void {
    if (this.knownPointCounts.size >= MAX_KNOWN_ROUTES) this.knownPointCounts.clear();
    this.knownPointCounts.set(id, pointCount);
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
      await collectionOf(this.routes).insertOne({
        _id: id,
        title: route.title,
        startPosition: route.startPosition,
        endPosition: route.endPosition,
        points: toStoredPoints(route.points),
        pointCount: route.points.length,
        source: 'user',
        createdAt: now,
      });
    } catch (error) {
      if (alreadyStored(error, 1)) throw new ConflictException(`route ${id} already exists`);
      throw error;
    }
    this.remember(id, route.points.length);
    this.addStored([summaryOf({ ...route, id }, 'user')]);
    return { id, title: route.title, startPosition: route.startPosition, endPosition: route.endPosition, points: route.points };
  }

  /** Generates `gen-<seed>-<i>` routes and stores those not stored yet: the same request twice leaves the same routes. */
  async generate(options: GenerateOptions): Promise<RouteSummary[]> {
    const routes = generateRoutes(options);
    await this.insertMissing(routes, 'generated');
    return routes.map((r) => summaryOf(r, 'generated'));
  }

  /**
   * Inserts the routes whose id is not stored yet and leaves the others as they are: the same request twice leaves the
   * same routes. Inserts only, never updates: FerretDB on SQLite rewrites a whole table per updated document, and a
   * batch of updates to large route documents has been seen never to answer.
   */
  private async insertMissing(routes: Route[], source: RouteSource): Promise<void> {
    const now = new Date();
    for (const chunk of chunks(routes.filter((r) => !this.knownPointCounts.has(r.id)))) {
      const existing = await collectionOf(this.routes)
        .find({ _id: { $in: chunk.map((r) => r.id) } }, { projection: { _id: 1, pointCount: 1 } })
        .toArray();
      for (const d of existing) this.remember(String(d._id), Number(d.pointCount));
      const stored = new Set(existing.map((d) => String(d._id)));
      const missing = chunk.filter((r) => !stored.has(r.id));
      if (missing.length === 0) continue;
      try {
        await collectionOf(this.routes).insertMany(
          missing.map((r) => ({
            _id: r.id,
            title: r.title,
            startPosition: r.startPosition,
            endPosition: r.endPosition,
            points: toStoredPoints(r.points),
            pointCount: r.points.length,
            source,
            createdAt: now,
          })),
          { ordered: false },
        );
        for (const r of missing) this.remember(r.id, r.points.length);
        this.addStored(missing.map((r) => summaryOf(r, source)));
      } catch (error) {
        // Another request inserted some of them first: they are there, which is all that matters (and the next
        // pointCounts reads what they hold).
        if (!alreadyStored(error, missing.length)) throw error;
      }
    }
  }
}

/** The list with the given summaries in it, each id once, in id order as the database sorts them. */
export function withStored(list: readonly RouteSummary[], added: Iterable<RouteSummary>): RouteSummary[] {
  const byId = new Map(list.map((s) => [s.id, s]));
  for (const summary of added) if (!byId.has(summary.id)) byId.set(summary.id, summary);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
