// One page's live session, composed of rooms (one per feature): routes, this page's trips, fleets (started here or
// found on the road), the position pipeline (socket → buffer → once per frame → vehicle store → canvas layer), map
// focus, SLOs and alerts (Prometheus), and trip traces (Jaeger). The session wires them; each room holds its state.
import type { AppConfig } from '../config/env';
import { ApiClient } from '../lib/api-client';
import { isNewPosition, type NewPosition, type Route } from '../lib/api-types';
import { Notifications } from '../lib/notifications';
import { Observable } from '../lib/observable';
import { PositionBuffer, animationFrame, type FrameScheduler } from '../lib/position-buffer';
import { SocketConnection, type SocketFactory } from '../lib/socket-connection';
import { PrometheusClient } from '../lib/prometheus-client';
import { JaegerClient } from '../lib/jaeger-client';
import { BENCH_FLEET_ID, FleetRoom } from '../features/fleets/fleet-room';
import type { FleetsModel } from '../features/fleets/fleets-model';
import { RoutesRoom, type RoutesState } from '../features/routes/routes-room';
import { TripsModel, isActive, type UserTrip } from '../features/trips/trips-model';
import { VehicleStore, type Vehicle } from '../features/vehicles/vehicle-store';
import type { VehicleLayer } from '../features/map/vehicle-canvas-layer';
import { MapFocusRoom, type MapFocus } from '../features/map/map-focus';
import { OTHER_TRIP_COLOR, styleOf, styleSignature } from '../features/map/vehicle-style';
import { SyntheticFeed } from '../features/bench/synthetic-feed';
import { SloRoom } from '../features/slo/slo-room';
import { TraceRoom } from '../features/trace/trace-room';

export { BENCH_FLEET_ID, type RoutesState, type MapFocus };

export interface RenderStats {
  /** circleMarkers on the canvas. */
  vehiclesDrawn: number;
  /** Batches applied (one per animation frame with news). */
  framesApplied: number;
  /** Vehicles on the map per fleet. */
  drawnByFleet: Readonly<Record<string, number>>;
}

export interface SessionOptions {
  config: AppConfig;
  api?: ApiClient;
  /** Absent: no socket at all (bench mode). */
  socketFactory?: SocketFactory | undefined;
  schedule?: FrameScheduler;
  now?: () => number;
  fleetPollMs?: number;
  /**
   * Draw every vehicle on the road (all fleets, and single trips of other pages) from the start. On in the app; a
   * spec of one flow can leave it off.
   */
  followRoad?: boolean;
  prometheus?: PrometheusClient | null;
  jaeger?: JaegerClient | null;
}

/** Refused as a duplicate (shown beside the route list) or failed at the api (shown as an error). */
export type StartResult = { ok: true } | { ok: false; reason: string; duplicate: boolean };

const STATS_EVERY_MS = 200;
/** Single trips of other pages: looked for this often, and followed over their trip room. */
const OTHER_TRIPS_POLL_MS = 5_000;
const OTHER_TRIPS_LIMIT = 200;

export class LiveSession {
  readonly config: AppConfig;
  readonly api: ApiClient;
  readonly connection: SocketConnection | null;
  readonly notifications = new Notifications();
  readonly trips = new TripsModel();
  readonly vehicles = new VehicleStore();
  readonly selectedTrip = new Observable<string | null>(null);
  readonly stats = new Observable<RenderStats>({ vehiclesDrawn: 0, framesApplied: 0, drawnByFleet: {} });
  readonly routesRoom: RoutesRoom;
  readonly fleetRoom: FleetRoom;
  readonly mapFocus = new MapFocusRoom();
  readonly slos: SloRoom;
  readonly traces: TraceRoom;

  private readonly buffer: PositionBuffer<NewPosition>;
  private readonly now: () => number;
  private readonly followRoad: boolean;
  private layer: VehicleLayer | null = null;
  private readonly fleetsToFit = new Set<string>();
  /** Single trips of other pages followed over their trip room. */
  private readonly otherTrips = new Set<string>();
  private otherTripsTimer: ReturnType<typeof setInterval> | undefined;
  private lastStatsAt = 0;
  private statsTimer: ReturnType<typeof setTimeout> | undefined;
  private bench: SyntheticFeed | null = null;
  private styleSignature = '';
  private disposed = false;

  constructor(options: SessionOptions) {
    this.config = options.config;
    this.api = options.api ?? new ApiClient(options.config.apiUrl);
    this.now = options.now ?? Date.now;
    this.followRoad = options.followRoad ?? false;
    this.buffer = new PositionBuffer<NewPosition>((batch) => this.applyBatch(batch), options.schedule ?? animationFrame);
    this.connection = options.socketFactory ? new SocketConnection(options.socketFactory(this.config.apiUrl)) : null;
    this.routesRoom = new RoutesRoom(this.api, this.notifications);
    this.fleetRoom = new FleetRoom({
      api: this.api,
      connection: this.connection,
      notifications: this.notifications,
      now: this.now,
      pollMs: options.fleetPollMs ?? 2_000,
      onRemoved: (fleetId) => this.dropVehicles((v) => v.fleetId === fleetId),
      fitOnFirstPositions: (fleetId) => this.fleetsToFit.add(fleetId),
      followsRoad: this.followRoad,
    });
    const prometheus = options.prometheus !== undefined ? options.prometheus : this.config.prometheusUrl ? new PrometheusClient(this.config.prometheusUrl) : null;
    const jaeger = options.jaeger !== undefined ? options.jaeger : this.config.jaegerApiUrl ? new JaegerClient(this.config.jaegerApiUrl) : null;
    this.slos = new SloRoom(prometheus);
    this.traces = new TraceRoom(jaeger);
    if (this.connection) {
      this.connection.on('new-position', (p: unknown) => {
        if (isNewPosition(p)) this.buffer.push(p);
      });
      this.connection.on('positions', (batch: unknown) => {
        if (!Array.isArray(batch)) return;
        for (const p of batch) if (isNewPosition(p)) this.buffer.push(p);
      });
      this.connection.onConnect(() => this.resubscribe());
    }
    // Styles depend on the trips and fleets: recolour drawn vehicles when those lists change.
    this.trips.subscribe(() => this.restyleAll());
    this.fleets.subscribe(() => this.restyleAll());
  }

  get fleets(): FleetsModel {
    return this.fleetRoom.model;
  }

  get routes(): Observable<RoutesState> {
    return this.routesRoom.routes;
  }

  get routeGeometry(): Observable<ReadonlyMap<string, Route>> {
    return this.routesRoom.geometry;
  }

  get selectedRoute(): Observable<string | null> {
    return this.routesRoom.selected;
  }

  get focus(): Observable<MapFocus | null> {
    return this.mapFocus.focus;
  }

  /** Starts what a page needs beyond the socket: the route list, the SLO panel, the search for other trips. */
  start(): void {
    void this.loadRoutes();
    this.slos.start();
    if (this.followRoad && this.connection) {
      void this.findOtherTrips();
      this.otherTripsTimer = setInterval(() => void this.findOtherTrips(), OTHER_TRIPS_POLL_MS);
    }
  }

  // ---- routes ---------------------------------------------------------------------------------------------------

  async loadRoutes(): Promise<void> {
    const items = await this.routesRoom.loadList();
    if (!items) return;
    const ends = items.flatMap((r) => [r.startPosition, r.endPosition]).filter((p): p is [number, number] => !!p);
    if (ends.length > 0 && this.trips.get().length === 0 && this.vehicles.size === 0) this.focusOn(ends);
  }

  routeTitle(routeId: string): string {
    return this.routesRoom.title(routeId);
  }

  loadRoute(routeId: string): Promise<Route | undefined> {
    return this.routesRoom.load(routeId);
  }

  selectRoute(routeId: string | null): void {
    this.selectedRoute.set(routeId);
    if (routeId) {
      void this.loadRoute(routeId).then((route) => {
        if (route && this.selectedRoute.get() === routeId) this.focusOn(route.points);
      });
    }
  }

  // ---- single trips (the original Code Delivery flow) ------------------------------------------------------------

  /** Starts a trip over the socket (`new-direction`, ack {tripId} | {error}). Refused if the route runs already. */
  async startTrip(routeId: string, paceMs: number): Promise<StartResult> {
    const title = this.routeTitle(routeId);
    const check = this.trips.canStart(routeId, title);
    if (!check.ok) return { ...check, duplicate: true };
    if (!this.connection) return { ok: false, reason: 'no connection to the api in this mode', duplicate: false };
    const trip = this.trips.begin(routeId, title, paceMs, this.now());
    void this.loadRoute(routeId);
    try {
      const answer = await this.connection.request<{ tripId?: string; error?: string }>('new-direction', { routeId, paceMs });
      if (!answer || typeof answer.tripId !== 'string') {
        throw new Error(answer?.error ?? 'the api gave no tripId');
      }
      this.trips.started(trip.key, answer.tripId);
      // Positions reach this socket by its clientId; the trip room also keeps them coming after a reconnect.
      this.connection.emit('subscribe-trip', { tripId: answer.tripId });
      return { ok: true };
    } catch (error) {
      this.trips.failed(trip.key);
      const message = `Could not start route "${title}": ${(error as Error).message}`;
      this.notifications.push('error', message);
      return { ok: false, reason: message, duplicate: false };
    }
  }

  /** Takes a finished or cancelled trip off the map. */
  dismissTrip(trip: UserTrip): void {
    if (trip.tripId) {
      const tripId = trip.tripId;
      this.connection?.emit('unsubscribe-trip', { tripId });
      this.dropVehicles((v) => v.tripId === tripId);
    }
    this.trips.remove(trip.key);
  }

  /** Single trips started elsewhere (another page, the original Code Delivery client): follow their trip rooms. */
  private async findOtherTrips(): Promise<void> {
    if (!this.connection || this.connection.state.get().status !== 'connected') return;
    try {
      const page = await this.api.listTrips({ status: 'running', limit: OTHER_TRIPS_LIMIT });
      for (const trip of page.items) {
        if (trip.fleetId || this.otherTrips.has(trip.tripId) || this.trips.byTripId(trip.tripId)) continue;
        this.otherTrips.add(trip.tripId);
        this.connection.emit('subscribe-trip', { tripId: trip.tripId });
      }
    } catch {
      // The vehicles already drawn stay; the api's errors show where the user acted, not on a background look-up.
    }
  }

  // ---- fleets ---------------------------------------------------------------------------------------------------

  startFleet(request: { vehicles: number; paceMs: number; generateSeed?: number | undefined }): Promise<boolean> {
    return this.fleetRoom.start(request);
  }

  stopFleet(fleetId: string): Promise<void> {
    return this.fleetRoom.stop(fleetId);
  }

  removeFleet(fleetId: string): void {
    this.fleetRoom.remove(fleetId);
  }

  // ---- positions ------------------------------------------------------------------------------------------------

  /** Entry of every position, from the socket or the bench feed. */
  ingest(positions: readonly NewPosition[]): void {
    this.buffer.pushMany(positions);
  }

  /** Runs once per animation frame with the newest position of every trip that moved since the last frame. */
  private applyBatch(batch: NewPosition[]): void {
    const wanted = batch.filter((p) => this.isTracked(p));
    if (wanted.length === 0) return;
    const { changed, finished } = this.vehicles.apply(wanted, this.now());
    if (this.layer) for (const v of changed) this.layer.upsert(v, styleOf(v, this.trips, this.fleets));
    for (const trip of this.trips.applyVehicles(changed)) {
      this.notifications.push(
        'success',
        `Trip on route "${trip.routeTitle}" finished${trip.vehicleId ? ` (${trip.vehicleId})` : ''}.`,
      );
    }
    const finishedByFleet = new Map<string, number>();
    for (const v of finished) if (v.fleetId) finishedByFleet.set(v.fleetId, (finishedByFleet.get(v.fleetId) ?? 0) + 1);
    this.fleets.countFinished(finishedByFleet);
    if (this.fleetsToFit.size > 0) this.fitNewFleets(changed);
    this.publishStats(false);
  }

  private isTracked(p: NewPosition): boolean {
    if (p.fleetId) {
      if (this.fleets.find(p.fleetId)) return true;
      // A fleet already driving, found in the stream of all fleets: draw it too.
      if (!this.followRoad) return false;
      this.fleetRoom.found(p.fleetId);
      if (this.vehicles.size === 0 && this.trips.get().length === 0) this.fleetsToFit.add(p.fleetId);
      return true;
    }
    return this.trips.byTripId(p.tripId) !== undefined || this.otherTrips.has(p.tripId);
  }

  private restyleAll(): void {
    // Trips change with every position of a user trip; only a new trip, fleet or colour needs a restyle.
    const signature = styleSignature(this.trips, this.fleets);
    if (signature === this.styleSignature) return;
    this.styleSignature = signature;
    if (!this.layer) return;
    for (const v of this.vehicles.values()) this.layer.upsert(v, styleOf(v, this.trips, this.fleets));
  }

  private dropVehicles(predicate: (v: Vehicle) => boolean): void {
    const removed = this.vehicles.removeWhere(predicate);
    this.layer?.remove(removed);
    for (const tripId of removed) this.otherTrips.delete(tripId);
    const selected = this.selectedTrip.get();
    if (selected && removed.includes(selected)) this.selectedTrip.set(null);
    this.publishStats(true);
  }

  private fitNewFleets(changed: readonly Vehicle[]): void {
    for (const fleetId of [...this.fleetsToFit]) {
      const points = changed.filter((v) => v.fleetId === fleetId).map((v) => [v.lng, v.lat] as [number, number]);
      if (points.length === 0) continue;
      this.fleetsToFit.delete(fleetId);
      this.focusOn(points);
    }
  }

  /** Stats for the UI at most every 200 ms: React need not re-render 60 times a second. */
  private publishStats(force: boolean): void {
    const now = this.now();
    const publish = (): void => {
      this.statsTimer = undefined;
      this.lastStatsAt = this.now();
      const drawnByFleet: Record<string, number> = {};
      const lines = new Map<string, string>();
      for (const v of this.vehicles.values()) {
        if (v.fleetId) drawnByFleet[v.fleetId] = (drawnByFleet[v.fleetId] ?? 0) + 1;
        // The route lines of the vehicles on the road; this page's own trips draw theirs with their A/B markers.
        if (this.followRoad && !v.finished && !this.trips.byTripId(v.tripId) && !lines.has(v.routeId)) {
          lines.set(v.routeId, (v.fleetId ? this.fleets.find(v.fleetId)?.color : undefined) ?? OTHER_TRIP_COLOR);
        }
      }
      if (this.followRoad) this.routesRoom.showRoadLines(lines);
      this.stats.set({ vehiclesDrawn: this.layer ? this.layer.size : 0, framesApplied: this.buffer.appliedFrames, drawnByFleet });
    };
    if (force || now - this.lastStatsAt >= STATS_EVERY_MS) {
      if (this.statsTimer) clearTimeout(this.statsTimer);
      publish();
    } else {
      this.statsTimer ??= setTimeout(publish, STATS_EVERY_MS - (now - this.lastStatsAt));
    }
  }

  // ---- map ------------------------------------------------------------------------------------------------------

  /** The map mounted: draw every known vehicle on its layer. */
  attachLayer(layer: VehicleLayer): void {
    this.layer = layer;
    for (const v of this.vehicles.values()) layer.upsert(v, styleOf(v, this.trips, this.fleets));
    this.publishStats(true);
  }

  detachLayer(layer: VehicleLayer): void {
    if (this.layer === layer) this.layer = null;
  }

  /** Where a vehicle's marker is drawn, [lat, lng]: tests and the trip list read it. */
  markerOf(tripId: string): [number, number] | undefined {
    return this.layer?.latLngOf(tripId);
  }

  selectTrip(tripId: string | null): void {
    this.selectedTrip.set(tripId);
  }

  focusOn(lngLats: ReadonlyArray<readonly [number, number]>): void {
    this.mapFocus.focusOn(lngLats);
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------------

  private resubscribe(): void {
    if (!this.connection) return;
    for (const trip of this.trips.get()) {
      if (trip.tripId && isActive(trip)) this.connection.emit('subscribe-trip', { tripId: trip.tripId });
    }
    for (const tripId of this.otherTrips) this.connection.emit('subscribe-trip', { tripId });
    // Every fleet on the road, or only those started here.
    if (this.followRoad) this.fleetRoom.subscribe(undefined);
    else this.fleetRoom.resubscribe();
  }

  /** Bench mode: N synthetic vehicles through the same buffer, store and canvas layer, no api at all. */
  startBench(vehicles: number, feedMs: number): void {
    this.fleets.add(BENCH_FLEET_ID, vehicles, feedMs);
    this.fleetsToFit.add(BENCH_FLEET_ID);
    this.bench = new SyntheticFeed(vehicles, BENCH_FLEET_ID);
    this.bench.start(feedMs, (batch) => this.ingest(batch));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.bench?.stop();
    this.fleetRoom.dispose();
    this.slos.stop();
    if (this.otherTripsTimer) clearInterval(this.otherTripsTimer);
    if (this.statsTimer) clearTimeout(this.statsTimer);
    this.connection?.close();
  }
}
