import { randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { FilterQuery, Model } from 'mongoose';
import { trace } from '@opentelemetry/api';
import { Topics, type CancelTrips, type LngLat, type NewDirection } from '@fleetlab/contracts';
import type { Logger } from '@fleetlab/telemetry';
import { AppConfig } from '../config';
import { LOGGER } from '../common/logger';
import { KafkaProducerService } from '../kafka/kafka-producer.service';
import { ApiMetrics, type TripSource } from '../metrics/api-metrics';
import { RoutesService } from '../routes/routes.service';
import { FLEET_MODEL, type FleetDoc } from '../fleets/fleet.schema';
import { TRIP_MODEL, TRIP_POSITION_MODEL, type TripDoc, type TripPositionDoc } from './trip.schema';
import { toTripView, tripStatusFilter, type ListTripsQuery, type TripView } from './trips.dto';

export interface StartTrip {
  routeId: string;
  vehicleId?: string;
  paceMs?: number;
  /** The asking socket's id, or empty for HTTP. */
  clientId: string;
  source: TripSource;
}

export interface TripStarted {
  tripId: string;
  routeId: string;
  vehicleId: string;
  status: 'requested';
}

export const UNFINISHED = ['requested', 'running'] as const;

@Injectable()
export class TripsService {
  constructor(
    @InjectModel(TRIP_MODEL) private readonly trips: Model<TripDoc>,
    @InjectModel(TRIP_POSITION_MODEL) private readonly positions: Model<TripPositionDoc>,
    @InjectModel(FLEET_MODEL) private readonly fleets: Model<FleetDoc>,
    private readonly routes: RoutesService,
    private readonly kafka: KafkaProducerService,
    private readonly metrics: ApiMetrics,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

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
    const tripId = randomUUID();
    const vehicleId = request.vehicleId ?? `vehicle-${tripId.slice(0, 8)}`;
    const paceMs = request.paceMs ?? this.config.DEFAULT_PACE_MS;
    trace.getActiveSpan()?.setAttributes({
      'fleetlab.trip.id': tripId,
      'fleetlab.route.id': request.routeId,
      'fleetlab.vehicle.id': vehicleId,
    });
    await this.trips.collection.insertOne({
      _id: tripId,
      routeId: request.routeId,
      vehicleId,
      clientId: request.clientId,
      status: 'requested',
      requestedAt: new Date(),
      count: 0,
      total,
      paceMs,
    } as never);
    const direction: NewDirection = { clientId: request.clientId, routeId: request.routeId, tripId, vehicleId, paceMs };
    try {
      await this.kafka.send(Topics.newDirection, [{ key: tripId, value: direction }]);
    } catch (error) {
      // No command went out, so no trip will run: take the record back rather than leave it `requested` forever.
      await this.trips.deleteOne({ _id: tripId }).catch(() => undefined);
      throw error;
    }
    this.metrics.tripsStarted.inc({ source: request.source });
    this.logger.info({ tripId, routeId: request.routeId, vehicleId, source: request.source }, 'trip requested');
    return { tripId, routeId: request.routeId, vehicleId, status: 'requested' };
  }

  async get(tripId: string): Promise<TripView> {
    const doc = await this.trips.findById(tripId).lean<TripDoc>();
    if (!doc) throw new NotFoundException(`trip ${tripId} not found`);
    return toTripView(doc, (await this.fleetCancellations([doc])).get(doc.fleetId ?? ''));
  }

  async list(query: ListTripsQuery): Promise<{ items: TripView[]; total: number }> {
    const filter: FilterQuery<TripDoc> = {};
    if (query.routeId) filter.routeId = query.routeId;
    if (query.fleetId) filter.fleetId = query.fleetId;
    if (query.vehicleId) filter.vehicleId = query.vehicleId;
    if (query.status) {
      const cancelled = await this.cancelledFleetIds(query.fleetId);
      Object.assign(filter, { $and: [tripStatusFilter(query.status, cancelled)] });
    }
    const [docs, total] = await Promise.all([
      this.trips.find(filter).sort({ requestedAt: -1, _id: -1 }).skip(query.offset).limit(query.limit).lean<TripDoc[]>(),
      this.trips.countDocuments(filter),
    ]);
    const cancellations = await this.fleetCancellations(docs);
    return { items: docs.map((d) => toTripView(d, cancellations.get(d.fleetId ?? ''))), total };
  }

  /** When each cancelled fleet among these trips' unfinished ones was cancelled. */
  private async fleetCancellations(docs: TripDoc[]): Promise<Map<string, Date>> {
    const ids = [...new Set(docs.filter((d) => d.fleetId && (d.status === 'requested' || d.status === 'running')).map((d) => d.fleetId!))];
    if (ids.length === 0) return new Map();
    const fleets = await this.fleets
      .find({ _id: { $in: ids }, status: 'cancelled' }, { cancelledAt: 1 })
      .lean<Array<Pick<FleetDoc, '_id' | 'cancelledAt'>>>();
    return new Map(fleets.map((f) => [f._id, f.cancelledAt ?? new Date(0)]));
  }

  /** Ids of cancelled fleets (only `fleetId` itself when the query names one). */
  async cancelledFleetIds(fleetId?: string): Promise<string[]> {
    const filter: FilterQuery<FleetDoc> = { status: 'cancelled' };
    if (fleetId) filter._id = fleetId;
    const fleets = await this.fleets.find(filter, { _id: 1 }).lean<Array<{ _id: string }>>();
    return fleets.map((f) => f._id);
  }

  async positionHistory(tripId: string): Promise<{ tripId: string; positions: Array<{ seq: number; position: LngLat; ts: string }> }> {
    const exists = await this.trips.exists({ _id: tripId });
    if (!exists) throw new NotFoundException(`trip ${tripId} not found`);
    const docs = await this.positions
      .find({ tripId }, { seq: 1, position: 1, ts: 1 })
      .sort({ seq: 1 })
      .lean<Array<Pick<TripPositionDoc, 'seq' | 'position' | 'ts'>>>();
    return {
      tripId,
      positions: docs.map((d) => ({ seq: d.seq, position: d.position, ts: new Date(d.ts).toISOString() })),
    };
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
      // Already cancelled, alone or with its fleet.
      // Answer as before and produce the cancel again, which is harmless and covers a lost one.
      await this.produceCancel({ tripId, reason: 'cancelled over HTTP' }, tripId);
      return toTripView(existing);
    }
    await this.produceCancel({ tripId, reason: 'cancelled over HTTP' }, tripId);
    this.logger.info({ tripId }, 'trip cancelled');
    return toTripView(doc);
  }

  async produceCancel(cancel: CancelTrips, key: string): Promise<void> {
    await this.kafka.send(Topics.cancel, [{ key, value: cancel }]);
  }
}
