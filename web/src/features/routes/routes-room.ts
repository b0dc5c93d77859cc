// The routes room: the route list, each route's points loaded once (for its line and markers), and the route lines
// of the vehicles on the road.
import type { ApiClient } from '../../lib/api-client';
import type { Route, RouteSummary } from '../../lib/api-types';
import type { Notifications } from '../../lib/notifications';
import { Observable } from '../../lib/observable';

export type RoutesState =
  | { status: 'loading'; items: readonly RouteSummary[] }
  | { status: 'ready'; items: readonly RouteSummary[] }
  | { status: 'error'; items: readonly RouteSummary[]; message: string };

/** Route lines drawn for vehicles on the road; past this many, vehicles still draw but their lines don't. */
export const MAX_ROAD_ROUTE_LINES = 150;

export class RoutesRoom {
  readonly routes = new Observable<RoutesState>({ status: 'loading', items: [] });
  readonly geometry = new Observable<ReadonlyMap<string, Route>>(new Map());
  readonly selected = new Observable<string | null>(null);
  /** routeId → colour of the line, for every route a vehicle on the road drives. */
  readonly roadLines = new Observable<ReadonlyMap<string, string>>(new Map());
  private readonly loads = new Map<string, Promise<Route | undefined>>();

  constructor(
    private readonly api: ApiClient,
    private readonly notifications: Notifications,
  ) {}

  async loadList(): Promise<readonly RouteSummary[] | undefined> {
    this.routes.set({ status: 'loading', items: this.routes.get().items });
    try {
      const items = await this.api.listRoutes();
      this.routes.set({ status: 'ready', items });
      return items;
    } catch (error) {
      this.routes.set({ status: 'error', items: this.routes.get().items, message: (error as Error).message });
      this.notifications.error(error);
      return undefined;
    }
  }

  title(routeId: string): string {
    return this.routes.get().items.find((r) => r.id === routeId)?.title ?? this.geometry.get().get(routeId)?.title ?? routeId;
  }

  /** Loads a route's points once; errors are shown (unless quiet), never thrown. */
  load(routeId: string, quiet = false): Promise<Route | undefined> {
    const cached = this.geometry.get().get(routeId);
    if (cached) return Promise.resolve(cached);
    let load = this.loads.get(routeId);
    if (!load) {
      load = this.api.getRoute(routeId).then(
        (route) => {
          const next = new Map(this.geometry.get());
          next.set(routeId, route);
          this.geometry.set(next);
          return route;
        },
        (error: unknown) => {
          this.loads.delete(routeId);
          if (!quiet) this.notifications.error(error);
          return undefined;
        },
      );
      this.loads.set(routeId, load);
    }
    return load;
  }

  /** The routes of vehicles seen on the road, with their colours: each line loaded once, up to the cap. */
  showRoadLines(lines: ReadonlyMap<string, string>): void {
    const current = this.roadLines.get();
    let changed = current.size !== lines.size;
    const next = new Map<string, string>();
    for (const [routeId, color] of lines) {
      if (next.size >= MAX_ROAD_ROUTE_LINES) break;
      next.set(routeId, color);
      if (current.get(routeId) !== color) changed = true;
      if (!this.geometry.get().has(routeId)) void this.load(routeId, true);
    }
    if (changed) this.roadLines.set(next);
  }
}
