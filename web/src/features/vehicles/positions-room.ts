// The positions room: socket → buffer → once per animation frame → vehicle store → canvas layer. It keeps the
// vehicles the session accepts, draws them in the session's styles, and publishes drawing stats at most 5 times a
// second so React never re-renders per frame.
import type { NewPosition } from '../../lib/api-types';
import { Observable } from '../../lib/observable';
import { PositionBuffer, animationFrame, type FrameScheduler } from '../../lib/position-buffer';
import type { VehicleLayer, VehicleStyle } from '../map/vehicle-canvas-layer';
import { VehicleStore, type Vehicle } from './vehicle-store';

export interface RenderStats {
  /** circleMarkers on the canvas. */
  vehiclesDrawn: number;
  /** Batches applied (one per animation frame with news). */
  framesApplied: number;
  /** Vehicles on the map per fleet. */
  drawnByFleet: Readonly<Record<string, number>>;
}

export interface PositionsRoomDeps {
  schedule?: FrameScheduler | undefined;
  now: () => number;
  /** Whether a position is drawn at all (a trip or fleet the page follows). */
  accept: (p: NewPosition) => boolean;
  styleOf: (v: Vehicle) => VehicleStyle;
  /** After each applied frame: vehicles that moved or appeared, and those whose trip finished in it. */
  onApplied: (changed: readonly Vehicle[], finished: readonly Vehicle[]) => void;
  /** With every stats publication: the session derives what else it draws from the vehicles (route lines). */
  onPublish?: (vehicles: Iterable<Vehicle>) => void;
}

const STATS_EVERY_MS = 200;

export class PositionsRoom {
  readonly vehicles = new VehicleStore();
  readonly stats = new Observable<RenderStats>({ vehiclesDrawn: 0, framesApplied: 0, drawnByFleet: {} });
  private readonly buffer: PositionBuffer<NewPosition>;
  private layer: VehicleLayer | null = null;
  private lastStatsAt = 0;
  private statsTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: PositionsRoomDeps) {
    this.buffer = new PositionBuffer<NewPosition>((batch) => this.apply(batch), deps.schedule ?? animationFrame);
  }

  push(p: NewPosition): void {
    this.buffer.push(p);
  }

  ingest(positions: readonly NewPosition[]): void {
    this.buffer.pushMany(positions);
  }

  /** The map mounted: draw every known vehicle on its layer. */
  attach(layer: VehicleLayer): void {
    this.layer = layer;
    for (const v of this.vehicles.values()) layer.upsert(v, this.deps.styleOf(v));
    this.publishStats(true);
  }

  detach(layer: VehicleLayer): void {
    if (this.layer === layer) this.layer = null;
  }

  markerOf(tripId: string): [number, number] | undefined {
    return this.layer?.latLngOf(tripId);
  }

  /** Redraws every vehicle in its current style (a trip, fleet or colour came or went). */
  restyle(): void {
    if (!this.layer) return;
    for (const v of this.vehicles.values()) this.layer.upsert(v, this.deps.styleOf(v));
  }

  /** Takes vehicles off the map; returns their trip ids. */
  drop(predicate: (v: Vehicle) => boolean): string[] {
    const removed = this.vehicles.removeWhere(predicate);
    this.layer?.remove(removed);
    this.publishStats(true);
    return removed;
  }

  dispose(): void {
    if (this.statsTimer) clearTimeout(this.statsTimer);
  }

  /** Runs once per animation frame with the newest position of every trip that moved since the last frame. */
  private apply(batch: NewPosition[]): void {
    const wanted = batch.filter((p) => this.deps.accept(p));
    if (wanted.length === 0) return;
    const { changed, finished } = this.vehicles.apply(wanted, this.deps.now());
    if (this.layer) for (const v of changed) this.layer.upsert(v, this.deps.styleOf(v));
    this.deps.onApplied(changed, finished);
    this.publishStats(false);
  }

  private publishStats(force: boolean): void {
    const now = this.deps.now();
    const publish = (): void => {
      this.statsTimer = undefined;
      this.lastStatsAt = this.deps.now();
      const drawnByFleet: Record<string, number> = {};
      for (const v of this.vehicles.values()) if (v.fleetId) drawnByFleet[v.fleetId] = (drawnByFleet[v.fleetId] ?? 0) + 1;
      this.deps.onPublish?.(this.vehicles.values());
      this.stats.set({ vehiclesDrawn: this.layer ? this.layer.size : 0, framesApplied: this.buffer.appliedFrames, drawnByFleet });
    };
    if (force || now - this.lastStatsAt >= STATS_EVERY_MS) {
      if (this.statsTimer) clearTimeout(this.statsTimer);
      publish();
    } else {
      this.statsTimer ??= setTimeout(publish, STATS_EVERY_MS - (now - this.lastStatsAt));
    }
  }
}
