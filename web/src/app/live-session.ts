// One page's live session: it composes one room per feature and wires them together. Each room holds its own state
// and its panel reads only that: routes (features/routes/routes-room), this page's and other pages' single trips
// (features/trips/trips-room), fleets started here or found on the road (features/fleets/fleet-room), the position
// pipeline (features/vehicles/positions-room), vehicle styles and map focus (features/map), SLOs and alerts
// (features/slo), trip traces (features/trace) and the bench feed (features/bench).
import type { AppConfig } from '../config/env';
import { ApiClient } from '../lib/api-client';
import { isNewPosition, type NewPosition, type Route } from '../lib/api-types';
import { Notifications } from '../lib/notifications';
import { Observable } from '../lib/observable';
import type { FrameScheduler } from '../lib/position-buffer';
import { SocketConnection, type SocketFactory } from '../lib/socket-connection';
import { PrometheusClient } from '../lib/prometheus-client';
import { JaegerClient } from '../lib/jaeger-client';
import { BENCH_FLEET_ID, FleetRoom } from '../features/fleets/fleet-room';
import type { FleetsModel } from '../features/fleets/fleets-model';
import { RoutesRoom, type RoutesState } from '../features/routes/routes-room';
import { TripsRoom, type StartResult } from '../features/trips/trips-room';
import type { TripsModel, UserTrip } from '../features/trips/trips-model';
import { PositionsRoom, type RenderStats } from '../features/vehicles/positions-room';
import type { Vehicle, VehicleStore } from '../features/vehicles/vehicle-store';
import type { VehicleLayer } from '../features/map/vehicle-canvas-layer';
import { MapFocusRoom, type MapFocus } from '../features/map/map-focus';
import { OTHER_TRIP_COLOR, styleOf, styleSignature } from '../features/map/vehicle-style';
import { SyntheticFeed } from '../features/bench/synthetic-feed';
import { SloRoom } from '../features/slo/slo-room';
import { TraceRoom } from '../features/trace/trace-room';
import { SocketEvents } from '@fleetlab/contracts';

export { BENCH_FLEET_ID, type RoutesState, type MapFocus, type RenderStats, type StartResult };

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

export class LiveSession {
  readonly config: AppConfig;
  readonly api: ApiClient;
  readonly connection: SocketConnection | null;
  readonly notifications = new Notifications();
  readonly selectedTrip = new Observable<string | null>(null);
  readonly routesRoom: RoutesRoom;
  readonly tripsRoom: TripsRoom;
  readonly fleetRoom: FleetRoom;
  readonly positions: PositionsRoom;
  readonly mapFocus = new MapFocusRoom();
  readonly slos: SloRoom;
  readonly traces: TraceRoom;

  private readonly now: () => number;
  private readonly followRoad: boolean;
  private readonly fleetsToFit = new Set<string>();
  private bench: SyntheticFeed | null = null;
  private styleSignature = '';
  private roadFocused = false;
  private disposed = false;

  constructor(options: SessionOptions) {
    this.config = options.config;
    this.api = options.api ?? new ApiClient(options.config.apiUrl);
    this.now = options.now ?? Date.now;
    this.followRoad = options.followRoad ?? false;
    this.connection = options.socketFactory ? new SocketConnection(options.socketFactory(this.config.apiUrl)) : null;
    this.routesRoom = new RoutesRoom(this.api, this.notifications);
    this.tripsRoom = new TripsRoom({
      api: this.api,
      connection: this.connection,
      notifications: this.notifications,
      now: this.now,
      routeTitle: (routeId) => this.routesRoom.title(routeId),
      loadRoute: (routeId) => void this.routesRoom.load(routeId),
      dropTrip: (tripId) => this.dropVehicles((v) => v.tripId === tripId),
    });
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
    this.positions = new PositionsRoom({
      schedule: options.schedule,
      now: this.now,
      accept: (p) => this.accept(p),
      styleOf: (v) => styleOf(v, this.trips, this.fleets),
      onApplied: (changed, finished) => this.applied(changed, finished),
      onPublish: (vehicles) => this.showRoadLines(vehicles),
    });
    const prometheus = options.prometheus !== undefined ? options.prometheus : this.config.prometheusUrl ? new PrometheusClient(this.config.prometheusUrl) : null;
    const jaeger = options.jaeger !== undefined ? options.jaeger : this.config.jaegerApiUrl ? new JaegerClient(this.config.jaegerApiUrl) : null;
    this.slos = new SloRoom(prometheus);
    this.traces = new TraceRoom(jaeger);
    if (this.connection) {
      this.connection.on(SocketEvents.newPosition, (p: unknown) => {
        if (isNewPosition(p)) this.positions.push(p);
      });
      this.connection.on(SocketEvents.positions, (batch: unknown) => {
        if (!Array.isArray(batch)) return;
        for (const p of batch) if (isNewPosition(p)) this.positions.push(p);
      });
      this.connection.onConnect(() => this.resubscribe());
    }
    // Styles depend on the trips and fleets: recolour drawn vehicles when those lists change.
    this.trips.subscribe(() => this.restyleAll());
    this.fleets.subscribe(() => this.restyleAll());
  }

  // The rooms' state under the names the panels read.
  get trips(): TripsModel {
    return this.tripsRoom.model;
  }
  get fleets(): FleetsModel {
    return this.fleetRoom.model;
  }
  get vehicles(): VehicleStore {
    return this.positions.vehicles;
  }
  get stats(): Observable<RenderStats> {
    return this.positions.stats;
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
    if (this.followRoad) this.tripsRoom.followOthers();
  }

  // ---- routes ---------------------------------------------------------------------------------------------------

  async loadRoutes(): Promise<void> {
    const items = await this.routesRoom.loadList();
    if (!items) return;
    const ends = items.flatMap((r) => [r.startPosition, r.endPosition]).filter((p): p is [number, number] => !!p);
    if (ends.length > 0 && this.trips.get().length === 0 && this.vehicles.size === 0 && !this.roadFocused) this.focusOn(ends);
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

  // ---- trips and fleets -----------------------------------------------------------------------------------------

  startTrip(routeId: string, paceMs: number): Promise<StartResult> {
    return this.tripsRoom.start(routeId, paceMs);
  }

  dismissTrip(trip: UserTrip): void {
    this.tripsRoom.dismiss(trip);
  }

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
    this.positions.ingest(positions);
  }

  /** Which positions are drawn: this page's trips and fleets, and, following the road, every fleet and trip. */
  private accept(p: NewPosition): boolean {
    if (p.fleetId) {
      if (this.fleets.find(p.fleetId)) return true;
      // A fleet already driving, found in the stream of all fleets: draw it too.
      if (!this.followRoad) return false;
      this.fleetRoom.found(p.fleetId);
      // The first fleet found on the road is where the map looks, unless the user is busy with a trip already.
      if (!this.roadFocused && this.trips.get().length === 0) {
        this.roadFocused = true;
        this.fleetsToFit.add(p.fleetId);
      }
      return true;
    }
    return this.tripsRoom.isFollowed(p.tripId);
  }

  private applied(changed: readonly Vehicle[], finished: readonly Vehicle[]): void {
    for (const trip of this.trips.applyVehicles(changed)) {
      this.notifications.push('success', `Trip on route "${trip.routeTitle}" finished${trip.vehicleId ? ` (${trip.vehicleId})` : ''}.`);
    }
    const finishedByFleet = new Map<string, number>();
    for (const v of finished) if (v.fleetId) finishedByFleet.set(v.fleetId, (finishedByFleet.get(v.fleetId) ?? 0) + 1);
    this.fleets.countFinished(finishedByFleet);
    if (this.fleetsToFit.size > 0) this.fitNewFleets(changed);
  }

  /** The route lines of the vehicles on the road; this page's own trips draw theirs with their A/B markers. */
  private showRoadLines(vehicles: Iterable<Vehicle>): void {
    if (!this.followRoad) return;
    const lines = new Map<string, string>();
    for (const v of vehicles) {
      if (v.finished || lines.has(v.routeId) || this.trips.byTripId(v.tripId)) continue;
      lines.set(v.routeId, (v.fleetId ? this.fleets.find(v.fleetId)?.color : undefined) ?? OTHER_TRIP_COLOR);
    }
    this.routesRoom.showRoadLines(lines);
  }

  private restyleAll(): void {
    // Trips change with every position of a user trip; only a new trip, fleet or colour needs a restyle.
    const signature = styleSignature(this.trips, this.fleets);
    if (signature === this.styleSignature) return;
    this.styleSignature = signature;
    this.positions.restyle();
  }

  private dropVehicles(predicate: (v: Vehicle) => boolean): void {
    const removed = this.positions.drop(predicate);
    this.tripsRoom.forget(removed);
    const selected = this.selectedTrip.get();
    if (selected && removed.includes(selected)) this.selectedTrip.set(null);
  }

  private fitNewFleets(changed: readonly Vehicle[]): void {
    for (const fleetId of [...this.fleetsToFit]) {
      const points = changed.filter((v) => v.fleetId === fleetId).map((v) => [v.lng, v.lat] as [number, number]);
      if (points.length === 0) continue;
      this.fleetsToFit.delete(fleetId);
      this.focusOn(points);
    }
  }

  // ---- map ------------------------------------------------------------------------------------------------------

  attachLayer(layer: VehicleLayer): void {
    this.positions.attach(layer);
  }

  detachLayer(layer: VehicleLayer): void {
    this.positions.detach(layer);
  }

  /** Where a vehicle's marker is drawn, [lat, lng]: tests and the trip list read it. */
  markerOf(tripId: string): [number, number] | undefined {
    return this.positions.markerOf(tripId);
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
    this.tripsRoom.resubscribe();
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
    this.tripsRoom.dispose();
    this.positions.dispose();
    this.slos.stop();
    this.connection?.close();
  }
}
