/**
 * One socket.io connection subscribed to every fleet of the run, measuring end-to-end freshness (receive time − the
 * position's event time `ts`) and positions delivered, as the map in a browser would see them.
 */
import { io, type Socket } from 'socket.io-client';
import { freshnessOf } from '../lib/socketio.ts';
import { MsHistogram } from '../lib/stats.ts';
import { SocketEvents, isSocketError, type FleetSubscription, type SubscriptionAck } from '@fleetlab/contracts';

export class FleetWatcher {
  readonly freshness = new MsHistogram();
  positions = 0;
  connectErrors = 0;
  disconnects = 0;
  private readonly socket: Socket;
  private readonly fleets = new Set<string>();

  constructor(baseUrl: string) {
    // websocket only: long polling would add its own latency to the freshness we measure.
    this.socket = io(baseUrl, { transports: ['websocket'], reconnection: true, reconnectionDelay: 500 });
    this.socket.on(SocketEvents.positions, (batch: unknown) => {
      const ages = freshnessOf(batch, Date.now());
      for (const age of ages) this.freshness.record(age);
      this.positions += ages.length;
    });
    this.socket.on('connect_error', () => this.connectErrors++);
    // Only drops count: the disconnect of close() at the end of a run is not one.
    this.socket.on('disconnect', (reason) => {
      if (reason !== 'io client disconnect') this.disconnects++;
    });
    // Rooms live in the server's session: after a reconnect the fleets must be joined again.
    this.socket.io.on('reconnect', () => {
      for (const fleetId of this.fleets) this.socket.emit(SocketEvents.subscribeFleet, { fleetId } satisfies FleetSubscription);
    });
  }

  connected(timeoutMs = 10_000): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socket.io did not connect within ${timeoutMs} ms`)), timeoutMs);
      this.socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Joins the fleet's room; resolves when the api acknowledges. */
  async subscribe(fleetId: string): Promise<void> {
    this.fleets.add(fleetId);
    const ack = (await this.socket.timeout(10_000).emitWithAck(SocketEvents.subscribeFleet, { fleetId } satisfies FleetSubscription)) as SubscriptionAck | undefined;
    if (!ack || isSocketError(ack)) throw new Error(`subscribe-fleet ${fleetId} refused: ${ack?.error ?? 'no answer'}`);
  }

  forget(fleetId: string): void {
    this.fleets.delete(fleetId);
  }

  close(): void {
    this.socket.disconnect();
  }
}
