import { randomUUID } from 'node:crypto';
import { Inject, Injectable, NotFoundException, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { trace } from '@opentelemetry/api';
import { MAX_VEHICLES, Topics, type FleetCancelled, type FleetCreated, type FleetLimits, type FleetView, type NewDirection } from '@fleetlab/contracts';
import type { Logger } from '@fleetlab/telemetry';
import { AppConfig } from '../config';
import { LOGGER } from '../common/logger';
import { KafkaService, SEND_CHUNK } from '../kafka/kafka.service';
import { fleetTripContext } from '../telemetry/fleet-trip-context';
import { ApiMetrics } from '../metrics/api-metrics';
import { RoutesService } from '../routes/routes.service';
import { TRIP_MODEL, type TripDoc } from '../trips/trip.schema';
import { TripsService } from '../trips/trips.service';
import { TripIndexService } from '../trips/trip-index.service';
import { countStatuses, fleetRef, mapLimit } from '../trips/read-model';
import { ALL_TRIPS, routeKey } from '../trips/trip-list';
import { FLEET_MODEL, type FleetDoc } from './fleet.schema';
import { MAX_GENERATED_ROUTES, routeForVehicle, type CreateFleetBody } from './fleets.dto';
import { collectionOf } from '../database/collection';

export type { FleetCreated, FleetView };

/** Scrapes come every few seconds; the active-fleet count may be that old. */
const ACTIVE_CACHE_MS = 5000;

@Injectable()
export class FleetsService implements OnModuleInit {
  private activeCache: { at: number; value: number } | undefined;

  constructor(
    @InjectModel(FLEET_MODEL) private readonly fleets: Model<FleetDoc>,
    @InjectModel(TRIP_MODEL) private readonly trips: Model<TripDoc>,
    private readonly routes: RoutesService,
    private readonly tripsService: TripsService,
    private readonly kafka: KafkaService,
    private readonly metrics: ApiMetrics,
    private readonly config: AppConfig,
    private readonly index: TripIndexService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.metrics.observeActiveFleets(() => this.countActive());
  }

  /** The caps admission applies, from memory: answering never waits on the database. */
  limits(): FleetLimits {
    return {
      maxFleetVehicles: MAX_VEHICLES,
      vehiclesOnRoad: { name: 'API_MAX_VEHICLES_ON_ROAD', limit: this.tripsService.road.limit, current: this.tripsService.road.onRoad() },
      routesPerRequest: { name: 'API_MAX_ROUTES_PER_REQUEST', limit: this.config.API_MAX_ROUTES_PER_REQUEST },
    };
  }

  /**
   * Creates the fleet, its trips and their directions, chunk by chunk: each chunk of trips is one insertMany and one
   * Kafka send, so 20,000 vehicles are 20 round trips each way, not 20,000.
   */
  async create(body: CreateFleetBody): Promise<FleetCreated> {
    const routeIds = await this.resolveRoutes(body);
    this.kafka.assertConnected();
    const fleetId = randomUUID();
    const paceMs = body.paceMs ?? this.config.DEFAULT_PACE_MS;
    const totals = await this.routes.pointCounts(routeIds);
    const longest = Math.max(...routeIds.map((r) => totals.get(r) ?? 0));
    this.tripsService.road.admit(body.vehicles, TripsService.roadMs(longest, paceMs), fleetId);
    trace.getActiveSpan()?.setAttributes({ 'fleetlab.fleet.id': fleetId, 'fleetlab.fleet.vehicles': body.vehicles });
    const createdAt = new Date();
    const fleetRequest = trace.getActiveSpan()?.spanContext();
    try {
      await collectionOf(this.fleets).insertOne({ _id: fleetId, vehicles: body.vehicles, paceMs, routeIds, status: 'running', createdAt });
      // Listed as one entry standing for all its trips, in the list of every trip and of each of its routes.
      const entries = await this.index.append(ALL_TRIPS, [fleetRef(fleetId)], body.vehicles);
      const onRoutes = routeIds.map((routeId) => ({ routeId, vehicles: vehiclesOnRoute(routeIds, routeId, body.vehicles) })).filter((r) => r.vehicles > 0);
      entries.push(...(await mapLimit(onRoutes, 4, (r) => this.index.append(routeKey(r.routeId), [fleetRef(fleetId)], r.vehicles))).flat());
      // Where it is listed, for retention to take it out again.
      await collectionOf(this.fleets).updateOne({ _id: fleetId }, { $set: { indexEntries: entries } });
      for (let start = 0; start < body.vehicles; start += SEND_CHUNK) {
        const end = Math.min(body.vehicles, start + SEND_CHUNK);
        const trips: TripDoc[] = [];
        for (let i = start; i < end; i++) {
          const routeId = routeForVehicle(routeIds, i);
          trips.push({
            _id: randomUUID(),
            routeId,
            vehicleId: `${fleetId}-v${i}`,
            clientId: '',
            fleetId,
            status: 'requested',
            requestedAt: createdAt,
            count: 0,
            total: totals.get(routeId)!,
            paceMs,
          });
        }
        await collectionOf(this.trips).insertMany(trips, { ordered: false });
        await this.index.setFleetSlots(fleetId, start, trips.map((t) => t._id));
        const directions = trips.map((t, j) => {
          const direction: NewDirection = { clientId: '', routeId: t.routeId, tripId: t._id, vehicleId: t.vehicleId, paceMs, fleetId };
          const ids = { tripId: t._id, fleetId, routeId: t.routeId, vehicleId: t.vehicleId };
          return { key: t._id, value: direction, parent: fleetTripContext(start + j, this.config.FLEET_TRACED_TRIPS, ids, fleetRequest) };
        });
        await this.kafka.send(Topics.newDirection, directions);
        this.metrics.tripsStarted.inc({ source: 'fleet' }, trips.length);
      }
    } catch (error) {
      this.tripsService.road.release(fleetId);
      // Half a fleet is worse than none: cancel what went out and report the failure.
      this.logger.error({ err: error, fleetId }, 'fleet creation failed, cancelling what was started');
      await this.cancel(fleetId).catch((cancelError: unknown) =>
        this.logger.error(
          { err: cancelError, fleetId },
          'fleet not cancelled after its creation failed: trips already sent may run; cancel it with DELETE /fleets/:id',
        ),
      );
      throw error;
    }
    this.activeCache = undefined;
    this.logger.info({ fleetId, vehicles: body.vehicles, routes: routeIds.length }, 'fleet requested');
    return { fleetId, vehicles: body.vehicles, routeIds };
  }

  /** The fleet and its trips by status, from its progress documents (one per 1,000 vehicles), all read by `_id`. */
  async get(fleetId: string): Promise<FleetView> {
    const fleet = await this.tripsService.fleetDoc(fleetId);
    if (!fleet) throw new NotFoundException(`fleet ${fleetId} not found`);
    const trips = countStatuses(await this.tripsService.fleetStatuses(fleet));
    return {
      fleetId,
      vehicles: fleet.vehicles,
      paceMs: fleet.paceMs,
      status: fleet.status,
      trips,
      createdAt: new Date(fleet.createdAt).toISOString(),
    };
  }

  /**
   * Cancels the fleet: its document turns `cancelled` (one write) and one `route.cancel {fleetId}` stops every
   * simulator's trips of it. Its trip documents are not rewritten: FerretDB updates row by row with a scan each,
   * so 20,000 of them take tens of minutes; every read of a trip reports an unfinished trip of a cancelled fleet
   * as cancelled instead (see toTripView and fleetStatuses). Its unfinished trips are counted from its progress
   * documents before the cancel.
   */
  async cancel(fleetId: string): Promise<FleetCancelled> {
    trace.getActiveSpan()?.setAttribute('fleetlab.fleet.id', fleetId);
    const fleet = await this.tripsService.fleetDoc(fleetId);
    if (!fleet) throw new NotFoundException(`fleet ${fleetId} not found`);
    // Its unfinished trips, counted before the cancel turns them all `cancelled`.
    const before = countStatuses(await this.tripsService.fleetStatuses(fleet));
    const cancelled = before.requested + before.running;
    if (fleet.status !== 'cancelled') {
      await this.fleets.updateOne({ _id: fleetId, status: { $ne: 'cancelled' } }, { $set: { status: 'cancelled', cancelledAt: new Date() } });
    }
    await this.tripsService.produceCancel({ fleetId, reason: 'fleet cancelled' }, fleetId);
    this.tripsService.road.release(fleetId);
    this.activeCache = undefined;
    this.logger.info({ fleetId, cancelled }, 'fleet cancelled');
    return { fleetId, status: 'cancelled', cancelled };
  }

  private async resolveRoutes(body: CreateFleetBody): Promise<string[]> {
    if (body.generate) {
      const generated = await this.routes.generate({
        seed: body.generate.seed,
        count: Math.min(body.vehicles, MAX_GENERATED_ROUTES, this.config.API_MAX_ROUTES_PER_REQUEST),
        ...(body.generate.center ? { center: body.generate.center } : {}),
        ...(body.generate.points ? { points: body.generate.points } : {}),
      });
      return generated.map((r) => r.id);
    }
    const wanted = body.routeIds ? [...new Set(body.routeIds)] : await this.routes.seedRouteIds();
    const known = await this.routes.pointCounts(wanted);
    const missing = wanted.filter((id) => !known.has(id));
    if (missing.length > 0) throw new NotFoundException(`routes not found: ${missing.join(', ')}`);
    if (wanted.length === 0) throw new NotFoundException('no routes to drive: the seed routes are missing');
    return wanted;
  }

  /**
   * Fleets with at least one trip still requested or running: the fleets not cancelled (a scan of `fleets`, which
   * holds one small document per fleet and is pruned with retention), each counted from its progress documents.
   */
  private async countActive(): Promise<number> {
    if (this.activeCache && Date.now() - this.activeCache.at < ACTIVE_CACHE_MS) return this.activeCache.value;
    const running = await this.fleets.find({ status: 'running' }).maxTimeMS(this.config.API_DB_TIMEOUT_MS).lean<FleetDoc[]>();
    let active = 0;
    for (const fleet of running) {
      const counts = countStatuses(await this.tripsService.fleetStatuses(fleet));
      if (counts.requested + counts.running > 0) active++;
    }
    this.activeCache = { at: Date.now(), value: active };
    return active;
  }
}

/** Vehicles of a fleet driving `routeId` (routes are taken round-robin). */
export function vehiclesOnRoute(routeIds: readonly string[], routeId: string, vehicles: number): number {
  let n = 0;
  routeIds.forEach((r, slot) => {
    if (r === routeId && slot < vehicles) n += Math.floor((vehicles - 1 - slot) / routeIds.length) + 1;
  });
  return n;
}
