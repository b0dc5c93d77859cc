/**
 * The traffic an experiment runs under, so its SLIs have samples: a fleet driving (positions through Kafka to the
 * consumer and the api), steady HTTP reads against the api, and a socket.io client watching the fleet as a browser
 * would (position freshness is measured on what reaches a browser).
 */
import { io, type Socket } from 'socket.io-client';
import type { Load } from './schema';
import { FleetCreated, SocketEvents, type FleetSubscription } from '@fleetlab/contracts';

export interface RunningLoad {
  fleetId: string | undefined;
  /** HTTP reads sent and how many failed (any status ≥ 500, or no answer). */
  stats: { requests: number; failed: number };
  stop(): Promise<void>;
}

export async function startLoad(apiUrl: string, load: Load, signal: AbortSignal): Promise<RunningLoad> {
  const stats = { requests: 0, failed: 0 };
  let fleetId: string | undefined;
  if (load.fleet) {
    const response = await fetch(`${apiUrl}/fleets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        vehicles: load.fleet.vehicles,
        paceMs: load.fleet.paceMs,
        generate: { seed: load.fleet.seed ?? Date.now() % 1_000_000, points: load.fleet.points },
      }),
    });
    if (response.status !== 202) throw new Error(`starting the experiment's fleet: POST /fleets answered ${response.status} ${await response.text()}`);
    fleetId = FleetCreated.parse(await response.json()).fleetId;
  }

  let socket: Socket | undefined;
  if (load.watch && fleetId) {
    socket = io(apiUrl, { transports: ['websocket'], reconnectionDelay: 250, reconnectionDelayMax: 1_000 });
    // Rejoin after every reconnect: an api restart forgets its rooms.
    const id = fleetId;
    socket.on('connect', () => socket?.emit(SocketEvents.subscribeFleet, { fleetId: id } satisfies FleetSubscription));
    socket.on(SocketEvents.newPosition, () => {});
  }

  const paths = ['/routes?limit=5', ...(fleetId ? [`/fleets/${fleetId}`] : []), '/trips?limit=5'];
  let timer: NodeJS.Timeout | undefined;
  if (load.requestsPerSecond > 0) {
    let i = 0;
    timer = setInterval(() => {
      if (signal.aborted) return;
      const path = paths[i++ % paths.length]!;
      stats.requests += 1;
      fetch(`${apiUrl}${path}`, { signal: AbortSignal.timeout(10_000) })
        .then(async (r) => {
          await r.arrayBuffer();
          if (r.status >= 500) stats.failed += 1;
        })
        .catch(() => (stats.failed += 1));
    }, 1_000 / load.requestsPerSecond);
  }

  return {
    fleetId,
    stats,
    async stop() {
      if (timer) clearInterval(timer);
      socket?.close();
    },
  };
}
