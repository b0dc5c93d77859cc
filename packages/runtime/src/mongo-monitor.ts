/**
 * A watch on the MongoDB driver's server monitor, the part of the client that finds out whether the server is back.
 *
 * The driver (mongodb 6.20–6.22) can lose a heartbeat. Most likely: when a server goes away and the monitor's socket
 * is destroyed between the check that the connection is open and the write of `hello`, the write waits for a `drain`
 * that never comes. The monitor then stays "checking" for good, the server stays Unknown, and every operation fails
 * server selection long after the database is back. Seen in the lab after a database outage (the api answered 503 for
 * minutes with no socket open to the database): toxiproxy accepts the monitor's connection and closes it at once
 * while FerretDB is down, which makes that window easy to hit.
 *
 * A working monitor ends every heartbeat, passed or failed, within MONGO_MONITOR_STUCK_AFTER_MS. One that has not is
 * wedged, and a restart is the only way back: the service gives up (shutdown.ts `giveUp`) and its supervisor starts it
 * again, as Kubernetes would on a failed liveness probe.
 */

/** Bounds a new connection and its handshake; the services pass it to their MongoDB clients. */
export const MONGO_CONNECT_TIMEOUT_MS = 10_000;
/** The driver's default: how often a monitor checks a server (and how long a streaming hello may wait). */
export const MONGO_HEARTBEAT_FREQUENCY_MS = 10_000;
/** Longest a working heartbeat takes: a connect and a handshake, each within the connect timeout, after waiting up
 * to a heartbeat period on a streaming server; plus a margin. */
export const MONGO_MONITOR_STUCK_AFTER_MS = 2 * MONGO_CONNECT_TIMEOUT_MS + MONGO_HEARTBEAT_FREQUENCY_MS + 15_000;

type HeartbeatEvent = 'serverHeartbeatStarted' | 'serverHeartbeatSucceeded' | 'serverHeartbeatFailed';

/** What the watch needs of a MongoClient: its server monitoring events. */
export interface HeartbeatSource {
  on(event: HeartbeatEvent, listener: (event: { connectionId: string }) => void): unknown;
}

export interface MongoMonitorWatchOptions {
  stuckAfterMs?: number;
  now?: () => number;
}

export class MongoMonitorWatch {
  /** Server address → when its oldest unanswered heartbeat started. */
  private readonly pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly stuckAfterMs: number;
  private readonly now: () => number;

  constructor(client: HeartbeatSource, options: MongoMonitorWatchOptions = {}) {
    this.stuckAfterMs = options.stuckAfterMs ?? MONGO_MONITOR_STUCK_AFTER_MS;
    this.now = options.now ?? Date.now;
    client.on('serverHeartbeatStarted', (e) => {
      if (!this.pending.has(e.connectionId)) this.pending.set(e.connectionId, this.now());
    });
    client.on('serverHeartbeatSucceeded', (e) => this.pending.delete(e.connectionId));
    client.on('serverHeartbeatFailed', (e) => this.pending.delete(e.connectionId));
  }

  /** Why the client cannot recover by itself, or undefined while every heartbeat ends in time. */
  problem(): string | undefined {
    const now = this.now();
    for (const [address, since] of this.pending) {
      const waited = now - since;
      if (waited > this.stuckAfterMs) {
        return `the MongoDB driver's monitor of ${address} has waited ${Math.round(waited / 1000)} s for a heartbeat ` +
          `that ends within ${Math.round(this.stuckAfterMs / 1000)} s when it works: the client is wedged`;
      }
    }
    return undefined;
  }

  /** Calls `onWedged` once, at the first check that finds a problem. The timer never keeps the process up. */
  start(onWedged: (problem: string) => void, checkEveryMs = 5_000): this {
    this.stop();
    this.timer = setInterval(() => {
      const problem = this.problem();
      if (problem === undefined) return;
      this.stop();
      onWedged(problem);
    }, checkEveryMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
