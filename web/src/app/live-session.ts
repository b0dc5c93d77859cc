// One page's live session: the api client and socket, the position pipeline (socket → buffer → once per frame →
// vehicle store → canvas layer), the trips and fleets this page started, and the messages shown to the user.
import type { AppConfig } from '../config/env';
import { ApiClient } from '../lib/api-client';
import { isNewPosition, type NewPosition, type Route, type RouteSummary } from '../lib/api-types';
import { Notifications } from '../lib/notifications';
import { Observable } from '../lib/observable';
import { PositionBuffer, animationFrame, type FrameScheduler } from '../lib/position-buffer';
import { SocketConnection, type SocketFactory } from '../lib/socket-connection';
import { shortId } from '../lib/format';
import { FleetsModel, isSettled } from '../features/fleets/fleets-model';
import { TripsModel, isActive, type UserTrip } from '../features/trips/trips-model';
import { VehicleStore, type Vehicle } from '../features/vehicles/vehicle-store';
import type { VehicleLayer, VehicleStyle } from '../features/map/vehicle-canvas-layer';
import { SyntheticFeed } from '../features/bench/synthetic-feed';

export type RoutesState =
  | { status: 'loading'; items: readonly RouteSummary[] }
  | { status: 'ready'; items: readonly RouteSummary[] }
  | { status: 'error'; items: readonly RouteSummary[]; message: string };

export interface MapFocus {
  /** [[south, west], [north, east]] */
  bounds: [[number, number], [number, number]];
  seq: number;
}

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
}

/** Refused as a duplicate (shown beside the route list) or failed at the api (shown as an error). */
export type StartResult = { ok: true } | { ok: false; reason: string; duplicate: boolean };

export const BENCH_FLEET_ID = 'bench';
const USER_VEHICLE_RADIUS = 7;
const FLEET_VEHICLE_RADIUS = 4;
const STATS_EVERY_MS = 200;

export class LiveSession {
  readonly config: AppConfig;
  readonly api: ApiClient;
  readonly connection: SocketConnection | null;
  readonly notifications = new Notifications();
  readonly trips = new TripsModel();
  readonly fleets = new FleetsModel();
  readonly vehicles = new VehicleStore();
  readonly routes = new Observable<RoutesState>({ status: 'loading', items: [] });
  readonly routeGeometry = new Observable<ReadonlyMap<string, Route>>(new Map());
  readonly selectedRoute = new Observable<string | null>(null);
  readonly selectedTrip = new Observable<string | null>(null);
  readonly focus = new Observable<MapFocus | null>(null);
  readonly stats = new Observable<RenderStats>({ vehiclesDrawn: 0, framesApplied: 0, drawnByFleet: {} });

  private readonly buffer: PositionBuffer<NewPosition>;
  private readonly now: () => number;
  private readonly fleetPollMs: number;
  private layer: VehicleLayer | null = null;
  private readonly fleetPollers = new Map<string, ReturnType<typeof setInterval>>();
  private readonly fleetsToFit = new Set<string>();
  private readonly routeLoads = new Map<string, Promise<Route | undefined>>();
  private lastStatsAt = 0;
  private statsTimer: ReturnType<typeof setTimeout> | undefined;
  private bench: SyntheticFeed | null = null;
  private focusSeq = 0;
  private styleSignature = '';
  private disposed = false;

  constructor(options: SessionOptions) {
    this.config = options.config;
    this.api = options.api ?? new ApiClient(options.config.apiUrl);
    this.now = options.now ?? Date.now;
    this.fleetPollMs = options.fleetPollMs ?? 2_000;
    this.buffer = new PositionBuffer<NewPosition>((batch) => this.applyBatch(batch), options.schedule ?? animationFrame);
    if (options.socketFactory) {
      this.connection = new SocketConnection(options.socketFactory(this.config.apiUrl));
      this.connection.on('new-position', (p: unknown) => {
        if (isNewPosition(p)) this.buffer.push(p);
      });
      this.connection.on('positions', (batch: unknown) => {
        if (!Array.isArray(batch)) return;
        for (const p of batch) if (isNewPosition(p)) this.buffer.push(p);
      });
      this.connection.onConnect(() => this.resubscribe());
    } else {
      this.connection = null;
    }
    // Styles depend on the trips and fleets: recolour drawn vehicles when those lists change.
    this.trips.subscribe(() => this.restyleAll());
    this.fleets.subscribe(() => this.restyleAll());
  }

  // ---- routes ---------------------------------------------------------------------------------------------------

  async loadRoutes(): Promise<void> {
    this.routes.set({ status: 'loading', items: this.routes.get().items });
    try {
      const items = await this.api.listRoutes();
      this.routes.set({ status: 'ready', items });
      const ends = items.flatMap((r) => [r.startPosition, r.endPosition]).filter((p): p is [number, number] => !!p);
      if (ends.length > 0 && this.trips.get().length === 0 && this.fleets.get().length === 0) this.focusOn(ends);
    } catch (error) {
      const message = (error as Error).message;
      this.routes.set({ status: 'error', items: this.routes.get().items, message });
      this.notifications.error(error);
    }
  }

  routeTitle(routeId: string): string {
    return this.routes.get().items.find((r) => r.id === routeId)?.title ?? this.routeGeometry.get().get(routeId)?.title ?? routeId;
  }

  /** Loads a route's points once (for its line and markers); errors are shown, never thrown. */
  loadRoute(routeId: string): Promise<Route | undefined> {
    const cached = this.routeGeometry.get().get(routeId);
    if (cached) return Promise.resolve(cached);
    let load = this.routeLoads.get(routeId);
    if (!load) {
      load = this.api.getRoute(routeId).then(
        (route) => {
          const next = new Map(this.routeGeometry.get());
          next.set(routeId, route);
          this.routeGeometry.set(next);
          return route;
        },
        (error: unknown) => {
          this.routeLoads.delete(routeId);
          this.notifications.error(error);
          return undefined;
        },
      );
      this.routeLoads.set(routeId, load);
    }
    return load;
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
      this.connection?.emit('unsubscribe-trip', { tripId: trip.tripId });
      const removed = this.vehicles.removeWhere((v) => v.tripId === trip.tripId);
      this.layer?.remove(removed);
      if (this.selectedTrip.get() === trip.tripId) this.selectedTrip.set(null);
    }
    this.trips.remove(trip.key);
    this.publishStats(true);
  }

  // ---- fleets ---------------------------------------------------------------------------------------------------

  async startFleet(request: { vehicles: number; paceMs: number; generateSeed?: number | undefined }): Promise<boolean> {
    try {
      const created = await this.api.createFleet({
        vehicles: request.vehicles,
        paceMs: request.paceMs,
        ...(request.generateSeed !== undefined ? { generate: { seed: request.generateSeed } } : {}),
      });
      this.fleets.add(created.fleetId, created.vehicles, request.paceMs);
      this.fleetsToFit.add(created.fleetId);
      this.subscribeFleet(created.fleetId);
      this.pollFleet(created.fleetId);
      return true;
    } catch (error) {
      this.notifications.error(error);
      return false;
    }
  }

  async stopFleet(fleetId: string): Promise<void> {
    try {
      await this.api.cancelFleet(fleetId);
      await this.pollOnce(fleetId);
    } catch (error) {
      this.notifications.error(error);
    }
  }

  removeFleet(fleetId: string): void {
    this.connection?.emit('unsubscribe-fleet', { fleetId });
    const poller = this.fleetPollers.get(fleetId);
    if (poller) clearInterval(poller);
    this.fleetPollers.delete(fleetId);
    this.fleets.remove(fleetId);
    const removed = this.vehicles.removeWhere((v) => v.fleetId === fleetId);
    this.layer?.remove(removed);
    const selected = this.selectedTrip.get();
    if (selected && removed.includes(selected)) this.selectedTrip.set(null);
    this.publishStats(true);
  }

  private subscribeFleet(fleetId: string): void {
    if (!this.connection) return;
    this.connection
      .request<{ ok?: boolean; error?: string }>('subscribe-fleet', { fleetId })
      .then((ack) => {
        if (ack?.error) this.notifications.push('error', `Could not follow fleet ${shortId(fleetId)}: ${ack.error}`);
      })
      .catch((error: Error) => this.notifications.push('error', `Could not follow fleet ${shortId(fleetId)}: ${error.message}`));
  }

  private pollFleet(fleetId: string): void {
    if (this.fleetPollers.has(fleetId)) return;
    void this.pollOnce(fleetId);
    this.fleetPollers.set(
      fleetId,
      setInterval(() => void this.pollOnce(fleetId), this.fleetPollMs),
    );
  }

  private async pollOnce(fleetId: string): Promise<void> {
    try {
      const fleet = await this.api.getFleet(fleetId);
      if (!this.fleets.find(fleetId)) return;
      this.fleets.applyPoll(fleet, this.now());
      const state = this.fleets.find(fleetId);
      if (state && isSettled(state)) {
        const poller = this.fleetPollers.get(fleetId);
        if (poller) clearInterval(poller);
        this.fleetPollers.delete(fleetId);
      }
    } catch (error) {
      this.notifications.error(error);
    }
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
    if (this.layer) for (const v of changed) this.layer.upsert(v, this.styleOf(v));
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
    if (p.fleetId && this.fleets.find(p.fleetId)) return true;
    return this.trips.byTripId(p.tripId) !== undefined;
  }

  private styleOf(v: Vehicle): VehicleStyle {
    const trip = this.trips.byTripId(v.tripId);
    if (trip) return { color: trip.color, radius: USER_VEHICLE_RADIUS, faded: false };
    const fleet = v.fleetId ? this.fleets.find(v.fleetId) : undefined;
    return { color: fleet?.color ?? '#555555', radius: FLEET_VEHICLE_RADIUS, faded: v.finished };
  }

  private restyleAll(): void {
    // Trips change with every position of a user trip; only a new trip, fleet or colour needs a restyle.
    const signature =
      this.trips.get().map((t) => `${t.tripId ?? t.key}:${t.color}`).join(',') +
      '|' +
      this.fleets.get().map((f) => `${f.fleetId}:${f.color}`).join(',');
    if (signature === this.styleSignature) return;
    this.styleSignature = signature;
    if (!this.layer) return;
    for (const v of this.vehicles.values()) this.layer.upsert(v, this.styleOf(v));
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
      for (const v of this.vehicles.values()) if (v.fleetId) drawnByFleet[v.fleetId] = (drawnByFleet[v.fleetId] ?? 0) + 1;
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
    for (const v of this.vehicles.values()) layer.upsert(v, this.styleOf(v));
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
    if (lngLats.length === 0) return;
    let south = Infinity, west = Infinity, north = -Infinity, east = -Infinity;
    for (const [lng, lat] of lngLats) {
      south = Math.min(south, lat);
      north = Math.max(north, lat);
      west = Math.min(west, lng);
      east = Math.max(east, lng);
    }
    this.focus.set({ bounds: [[south, west], [north, east]], seq: ++this.focusSeq });
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------------

  private resubscribe(): void {
    if (!this.connection) return;
    for (const trip of this.trips.get()) {
      if (trip.tripId && isActive(trip)) this.connection.emit('subscribe-trip', { tripId: trip.tripId });
    }
    for (const fleet of this.fleets.get()) {
      if (!isSettled(fleet) && fleet.fleetId !== BENCH_FLEET_ID) this.subscribeFleet(fleet.fleetId);
    }
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
    for (const poller of this.fleetPollers.values()) clearInterval(poller);
    this.fleetPollers.clear();
    if (this.statsTimer) clearTimeout(this.statsTimer);
    this.connection?.close();
  }
}
