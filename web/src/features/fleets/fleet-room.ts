// The fleets room: fleets this page starts, and every fleet already driving (found in the stream of all fleets,
// `subscribe-fleet {}`), each followed over the socket and polled for its counts until it settles.
import type { ApiClient } from '../../lib/api-client';
import type { Notifications } from '../../lib/notifications';
import type { SocketConnection } from '../../lib/socket-connection';
import { shortId } from '../../lib/format';
import { FleetsModel, isSettled } from './fleets-model';
import { SocketEvents, isSocketError, type FleetSubscription, type SubscriptionAck } from '@fleetlab/contracts';

export const BENCH_FLEET_ID = 'bench';
/** A fleet found on the road leaves the map this long after it settled, so finished demo fleets don't pile up. */
export const SETTLED_RUNNING_FLEET_KEEP_MS = 15_000;

export interface FleetRoomDeps {
  api: ApiClient;
  connection: SocketConnection | null;
  notifications: Notifications;
  now: () => number;
  pollMs: number;
  /** The session drops the fleet's vehicles from the map. */
  onRemoved: (fleetId: string) => void;
  /** The session fits the map to the fleet's first positions. */
  fitOnFirstPositions: (fleetId: string) => void;
  /** The page follows every fleet (`subscribe-fleet {}`): a fleet's own room would deliver its positions twice. */
  followsRoad: boolean;
}

export class FleetRoom {
  readonly model = new FleetsModel();
  private readonly pollers = new Map<string, ReturnType<typeof setInterval>>();
  private readonly removals = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly deps: FleetRoomDeps) {}

  async start(request: { vehicles: number; paceMs: number; generateSeed?: number | undefined }): Promise<boolean> {
    try {
      const created = await this.deps.api.createFleet({
        vehicles: request.vehicles,
        paceMs: request.paceMs,
        ...(request.generateSeed !== undefined ? { generate: { seed: request.generateSeed } } : {}),
      });
      const known = this.model.find(created.fleetId);
      // Its first positions may have come first, through the stream of all fleets.
      if (known) this.model.set(this.model.get().map((f) => (f.fleetId === created.fleetId ? { ...f, origin: 'started', vehicles: created.vehicles } : f)));
      else this.model.add(created.fleetId, created.vehicles, request.paceMs);
      this.deps.fitOnFirstPositions(created.fleetId);
      if (!this.deps.followsRoad) this.subscribe(created.fleetId);
      this.poll(created.fleetId);
      return true;
    } catch (error) {
      this.deps.notifications.error(error);
      return false;
    }
  }

  /** A position of a fleet this page did not know: follow it from now on. */
  found(fleetId: string): void {
    if (this.model.find(fleetId)) return;
    this.model.add(fleetId, 0, 0, 'running');
    this.poll(fleetId);
  }

  async stop(fleetId: string): Promise<void> {
    try {
      await this.deps.api.cancelFleet(fleetId);
      await this.pollOnce(fleetId);
    } catch (error) {
      this.deps.notifications.error(error);
    }
  }

  remove(fleetId: string): void {
    this.deps.connection?.emit(SocketEvents.unsubscribeFleet, { fleetId } satisfies FleetSubscription);
    this.stopPolling(fleetId);
    const removal = this.removals.get(fleetId);
    if (removal) clearTimeout(removal);
    this.removals.delete(fleetId);
    this.model.remove(fleetId);
    this.deps.onRemoved(fleetId);
  }

  /** After a reconnect: follow every fleet again that still drives. */
  resubscribe(): void {
    for (const fleet of this.model.get()) {
      if (!isSettled(fleet) && fleet.fleetId !== BENCH_FLEET_ID && fleet.origin === 'started') this.subscribe(fleet.fleetId);
    }
  }

  subscribe(fleetId: string | undefined): void {
    const connection = this.deps.connection;
    if (!connection) return;
    const which = fleetId ? `fleet ${shortId(fleetId)}` : 'the fleets on the road';
    connection
      .request<SubscriptionAck | undefined>(SocketEvents.subscribeFleet, (fleetId ? { fleetId } : {}) satisfies FleetSubscription)
      .then((ack) => {
        if (isSocketError(ack)) this.deps.notifications.push('error', `Could not follow ${which}: ${ack.error}`);
      })
      .catch((error: Error) => this.deps.notifications.push('error', `Could not follow ${which}: ${error.message}`));
  }

  dispose(): void {
    for (const poller of this.pollers.values()) clearInterval(poller);
    this.pollers.clear();
    for (const removal of this.removals.values()) clearTimeout(removal);
    this.removals.clear();
  }

  private poll(fleetId: string): void {
    if (this.pollers.has(fleetId) || fleetId === BENCH_FLEET_ID) return;
    void this.pollOnce(fleetId);
    this.pollers.set(
      fleetId,
      setInterval(() => void this.pollOnce(fleetId), this.deps.pollMs),
    );
  }

  private stopPolling(fleetId: string): void {
    const poller = this.pollers.get(fleetId);
    if (poller) clearInterval(poller);
    this.pollers.delete(fleetId);
  }

  private async pollOnce(fleetId: string): Promise<void> {
    try {
      const fleet = await this.deps.api.getFleet(fleetId);
      if (!this.model.find(fleetId)) return;
      this.model.applyPoll(fleet, this.deps.now());
      const state = this.model.find(fleetId);
      if (state && isSettled(state)) {
        this.stopPolling(fleetId);
        if (state.origin === 'running' && !this.removals.has(fleetId)) {
          this.removals.set(fleetId, setTimeout(() => this.remove(fleetId), SETTLED_RUNNING_FLEET_KEEP_MS));
        }
      }
    } catch (error) {
      // A fleet found on the road may be gone from the api (another lab's data): quietly stop asking.
      const state = this.model.find(fleetId);
      if (state?.origin === 'running') this.stopPolling(fleetId);
      else this.deps.notifications.error(error);
    }
  }
}
