import { randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { trace } from '@opentelemetry/api';
import { Topics, fleetVehicleIndex, type CancelTrips, type LngLat, type NewDirection, type TripPosition, type TripPositions, type TripStarted as ContractTripStarted, type TripStatus } from '@fleetlab/contracts';
import type { Logger } from '@fleetlab/telemetry';
import { AppConfig } from '../config';
import { LOGGER } from '../common/logger';
import { KafkaService } from '../kafka/kafka.service';
import { ApiMetrics, type TripSource } from '../metrics/api-metrics';
import { RoutesService } from '../routes/routes.service';
import { FLEET_MODEL, type FleetDoc } from '../fleets/fleet.schema';
import { TRIP_MODEL, TRIP_POSITION_MODEL, type TripDoc, type TripPositionDoc } from './trip.schema';
import { toTripView, type ListTripsQuery, type TripView } from './trips.dto';
import { RoadLedger, ROAD_GRACE_MS } from '../admission/road-ledger';
import { countStatuses, fleetStatuses, mapLimit } from './read-model';
import { READ_CONCURRENCY, TripIndexService } from './trip-index.service';
import { ALL_TRIPS, ListWalk, routeKey, vehicleKey, type SettledTrip } from './trip-list';
import { collectionOf } from '../database/collection';

export interface StartTrip {
  routeId: string;
  vehicleId?: string;
  paceMs?: number;
  /** The asking socket's id, or empty for HTTP. */
  clientId: string;
  source: TripSource;
}

/** The answer of a start: `TripStarted` of the contracts, always `requested`. */
export type TripStarted = ContractTripStarted & { status: 'requested' };

export const UNFINISHED = ['requested', 'running'] as const;

/** Positions of one trip read at once by `_id`. */
const POSITION_READ_CONCURRENCY = 16;
/** Most positions a history answers (a route has at most 10,000 points). */
const MAX_POSITIONS = 10_000;
/** A cancelled fleet's trips may still finish for this long (positions in flight); its counts are cached after. */
const SETTLE_MS = 60_000;
const MAX_SETTLED_FLEETS = 10_000;

@Injectable()
export class TripsService {
  /** Vehicles on the road, for admission (API_MAX_VEHICLES_ON_ROAD); shared with fleets. */
  readonly road: RoadLedger;
  /** Trips outside fleets that finished or were cancelled: their status and route no longer change. */
  readonly settledTrips = new Map<string, SettledTrip>();
  /** Statuses of fleets with nothing left to move. */
  private readonly settled = new Map<string, TripStatus[]>();

  constructor(
    @InjectModel(TRIP_MODEL) private readonly trips: Model<TripDoc>,
    @InjectModel(TRIP_POSITION_MODEL) private readonly positions: Model<TripPositionDoc>,
    @InjectModel(FLEET_MODEL) private readonly fleets: Model<FleetDoc>,
    private readonly routes: RoutesService,
    private readonly kafka: KafkaService,
    private readonly metrics: ApiMetrics,
    private readonly config: AppConfig,
    private readonly index: TripIndexService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.road = new RoadLedger(config.API_MAX_VEHICLES_ON_ROAD);
  }

  /** How long a trip of `points` at `paceMs` stays on the road. */
  static roadMs(points: number, paceMs: number): number {
    return points * paceMs + ROAD_GRACE_MS;
  }

  /** A start-up step, once MongoDB answers. */
  async createIndexes(): Promise<void> {
    // Explicit rather than autoIndex, so an index the consumer made differently is a warning, not a crash.
    await this.trips.createIndexes().catch((error: unknown) => this.logger.warn({ err: error }, 'trips indexes not created'));
  }

  /** Inserts the trip `requested`, then produces its `route.new-direction` (keyed by tripId). */
  async start(request: StartTrip): Promise<TripStarted> {
    const total = (await this.routes.pointCounts([request.routeId])).get(request.routeId);
    if (total === undefined) throw new NotFoundException(`route ${request.routeId} not found`);
    this.kafka.assertConnected();
    const paceMs = request.paceMs ?? this.config.DEFAULT_PACE_MS;
    const tripId = randomUUID();
    this.road.admit(1, TripsService.roadMs(total, paceMs), tripId);
    const vehicleId = request.vehicleId ?? `vehicle-${tripId.slice(0, 8)}`;
    try {
      trace.getActiveSpan()?.setAttributes({
        'fleetlab.trip.id': tripId,
        'fleetlab.route.id': request.routeId,
        'fleetlab.vehicle.id': vehicleId,
      });
      await collectionOf(this.trips).insertOne({
        _id: tripId,
        routeId: request.routeId,
        vehicleId,
        clientId: request.clientId,
        status: 'requested',
        requestedAt: new Date(),
        count: 0,
        total,
        paceMs,
      });
      // Listed before its direction goes out: a trip that runs is a trip that is listed.
      const entries = [
        ...(await this.index.append(ALL_TRIPS, [tripId])),
        ...(await this.index.append(routeKey(request.routeId), [tripId])),
        ...(await this.index.append(vehicleKey(vehicleId), [tripId])),
      ];
      // Where it is listed, for retention to take it out again.
      await collectionOf(this.trips).updateOne({ _id: tripId }, { $set: { indexEntries: entries } }, { maxTimeMS: this.config.API_DB_TIMEOUT_MS });
      const direction: NewDirection = { clientId: request.clientId, routeId: request.routeId, tripId, vehicleId, paceMs };
      try {
        await this.kafka.send(Topics.newDirection, [{ key: tripId, value: direction }]);
      } catch (error) {
        // No command went out, so no trip will run: take the record back rather than leave it `requested` forever.
        await this.trips.deleteOne({ _id: tripId }).catch((deleteError: unknown) =>
          this.logger.error(
            { err: deleteError, tripId, sendError: String(error) },
            'trip direction not sent and the trip not taken back: it stays requested; cancel it with DELETE /trips/:id',
          ),
        );
        throw error;
      }
    } catch (error) {
      // Not started: off the road again.
      this.road.release(tripId);
      throw error;
    }
    this.metrics.tripsStarted.inc({ source: request.source });
    this.logger.info({ tripId, routeId: request.routeId, vehicleId, source: request.source }, 'trip requested');
    return { tripId, routeId: request.routeId, vehicleId, status: 'requested' };
  }

  async get(tripId: string): Promise<TripView> {
    const doc = await this.trips.findById(tripId).maxTimeMS(this.config.API_DB_TIMEOUT_MS).lean<TripDoc>();
    if (!doc) throw new NotFoundException(`trip ${tripId} not found`);
    return toTripView(doc, await this.fleetCancelledAt(doc));
  }

  /** When the fleet of an unfinished trip was cancelled, if it was: one read by `_id`. */
  private async fleetCancelledAt(doc: TripDoc, fleets?: Map<string, FleetDoc | null>): Promise<Date | undefined> {
    if (!doc.fleetId || (doc.status !== 'requested' && doc.status !== 'running')) return undefined;
    const fleet = fleets?.get(doc.fleetId) ?? (await this.fleetDoc(doc.fleetId));
    return fleet?.status === 'cancelled' ? (fleet.cancelledAt ?? new Date(0)) : undefined;
  }

  async fleetDoc(fleetId: string): Promise<FleetDoc | null> {
    return this.fleets.findById(fleetId).maxTimeMS(this.config.API_DB_TIMEOUT_MS).lean<FleetDoc>();
  }

  /**
   * Trips newest first, from the read models only (docs/architecture.md, "Read models"): a fleet's trips from its
   * own list and progress documents, the rest from the `all`, `route:<id>` or `vehicle:<id>` list, where a whole
   * fleet is one entry. Every document is read by `_id`.
   */
  async list(query: ListTripsQuery): Promise<{ items: TripView[]; total: number }> {
    if (query.fleetId) return this.listFleet(query.fleetId, query);
    const key = query.vehicleId ? vehicleKey(query.vehicleId) : query.routeId ? routeKey(query.routeId) : ALL_TRIPS;
    const lists = new ListWalk(this, query);
    // A fleet's vehicle is in no vehicle list: its one trip comes from the fleet's own list.
    const fleetVehicle = query.vehicleId ? await this.fleetOfVehicle(query.vehicleId) : undefined;
    if (fleetVehicle) await lists.fleet(fleetVehicle.fleet, [fleetVehicle.index]);
    await lists.walk(key);
    return lists.result();
  }

  private async listFleet(fleetId: string, query: ListTripsQuery): Promise<{ items: TripView[]; total: number }> {
    const fleet = await this.fleetDoc(fleetId);
    if (!fleet) return { items: [], total: 0 };
    const lists = new ListWalk(this, query);
    await lists.fleet(fleet);
    return lists.result();
  }

  /** `<fleetId>-v<i>` of a stored fleet, or undefined. */
  private async fleetOfVehicle(vehicleId: string): Promise<{ fleet: FleetDoc; index: number } | undefined> {
    const cut = vehicleId.lastIndexOf('-v');
    if (cut <= 0) return undefined;
    const fleetId = vehicleId.slice(0, cut);
    const index = fleetVehicleIndex(fleetId, vehicleId);
    if (index === undefined) return undefined;
    const fleet = await this.fleetDoc(fleetId);
    return fleet && index < fleet.vehicles ? { fleet, index } : undefined;
  }

  /** Statuses of a fleet's trips by vehicle, as reported; cached once the fleet has settled (nothing left to move). */
  async fleetStatuses(fleet: FleetDoc): Promise<TripStatus[]> {
    const cached = this.settled.get(fleet._id);
    if (cached) return cached;
    const statuses = fleetStatuses(fleet.vehicles, await this.index.fleetProgress(fleet._id, fleet.vehicles), fleet.status === 'cancelled');
    const counts = countStatuses(statuses);
    const cancelledLongAgo = fleet.status === 'cancelled' && Date.now() - new Date(fleet.cancelledAt ?? 0).getTime() > SETTLE_MS;
    if (counts.finished + counts.cancelled === fleet.vehicles && (fleet.status !== 'cancelled' || cancelledLongAgo)) {
      if (this.settled.size >= MAX_SETTLED_FLEETS) this.settled.clear();
      this.settled.set(fleet._id, statuses);
    }
    return statuses;
  }

  /** Trip documents by `_id`, in order (null where missing). */
  async tripDocs(ids: readonly string[]): Promise<Array<TripDoc | null>> {
    return mapLimit(ids, READ_CONCURRENCY, (id) => this.trips.findById(id).maxTimeMS(this.config.API_DB_TIMEOUT_MS).lean<TripDoc>());
  }

  fleetTripIds(fleetId: string, indexes: readonly number[]): Promise<Array<string | undefined>> {
    return this.index.fleetTripIds(fleetId, indexes);
  }

  listLength(key: string): Promise<{ entries: number; trips: number }> {
    return this.index.head(key);
  }

  listSlots(key: string, from: number, to: number): Promise<Map<number, string>> {
    return this.index.slots(key, from, to);
  }

  /** Views of trip documents, fleet cancellations applied. */
  async views(docs: readonly TripDoc[], fleets: Map<string, FleetDoc | null>): Promise<TripView[]> {
    const out: TripView[] = [];
    for (const doc of docs) out.push(toTripView(doc, await this.fleetCancelledAt(doc, fleets)));
    return out;
  }

  /**
   * A trip's stored positions, read by their `_id`s (`<tripId>:<seq>`, seq 0 up to the route's point count): no query
   * over the collection. A position not stored (yet) is skipped.
   */
  async positionHistory(tripId: string): Promise<TripPositions> {
    const trip = await this.trips.findById(tripId, { total: 1, count: 1 }).maxTimeMS(this.config.API_DB_TIMEOUT_MS).lean<TripDoc>();
    if (!trip) throw new NotFoundException(`trip ${tripId} not found`);
    const points = Math.min(MAX_POSITIONS, Math.max(trip.total ?? 0, trip.count ?? 0));
    const seqs = Array.from({ length: points }, (_, seq) => seq);
    const docs = await mapLimit(seqs, POSITION_READ_CONCURRENCY, (seq) =>
      collectionOf(this.positions).findOne(
        { _id: `${tripId}:${seq}` },
        { projection: { seq: 1, position: 1, ts: 1 }, maxTimeMS: this.config.API_DB_TIMEOUT_MS },
      ),
    );
    const positions: TripPosition[] = [];
    for (const d of docs) {
      if (d) positions.push({ seq: d.seq as number, position: d.position as LngLat, ts: new Date(d.ts as Date).toISOString() });
    }
    return { tripId, positions };
  }

  /** Marks an unfinished trip cancelled and produces `route.cancel`; a finished trip is a 409. */
  async cancel(tripId: string): Promise<TripView> {
    trace.getActiveSpan()?.setAttribute('fleetlab.trip.id', tripId);
    // Conditional update: the consumer never moves a cancelled trip forward, so this sticks even mid-flight.
    const doc = await this.trips
      .findOneAndUpdate(
        { _id: tripId, status: { $in: [...UNFINISHED] } },
        { $set: { status: 'cancelled', cancelledAt: new Date() } },
        { new: true },
      )
      .lean<TripDoc>();
    if (!doc) {
      const existing = await this.trips.findById(tripId).lean<TripDoc>();
      if (!existing) throw new NotFoundException(`trip ${tripId} not found`);
      if (existing.status === 'finished') throw new ConflictException(`trip ${tripId} already finished`);
      if (existing.fleetId && existing.status === 'cancelled') {
        // A crash between the two writes left the fleet's progress without it: written again, idempotently.
        const index = fleetVehicleIndex(existing.fleetId, existing.vehicleId);
        if (index !== undefined) await this.index.markFleetTrip(existing.fleetId, index, 'cancelled');
      }
      // Already cancelled, alone or with its fleet.
      // Answer as before and produce the cancel again, which is harmless and covers a lost one.
      await this.produceCancel({ tripId, reason: 'cancelled over HTTP' }, tripId);
      return toTripView(existing);
    }
    if (doc.fleetId) {
      const index = fleetVehicleIndex(doc.fleetId, doc.vehicleId);
      if (index !== undefined) await this.index.markFleetTrip(doc.fleetId, index, 'cancelled');
    }
    // Off the road at once, as a cancelled fleet is (the conditional update above took it from unfinished: once).
    this.road.release(doc.fleetId ?? tripId, doc.fleetId ? 1 : undefined);
    await this.produceCancel({ tripId, reason: 'cancelled over HTTP' }, tripId);
    this.logger.info({ tripId }, 'trip cancelled');
    return toTripView(doc);
  }

  async produceCancel(cancel: CancelTrips, key: string): Promise<void> {
    await this.kafka.send(Topics.cancel, [{ key, value: cancel }]);
  }
}
