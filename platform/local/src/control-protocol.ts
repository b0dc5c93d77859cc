/**
 * The local lab's control endpoint, as its clients see it (the chaos runner, the integration tests). The server is
 * in control.ts; it listens on 127.0.0.1 only and its URL is in `<runDir>/control.json` while the lab runs.
 *
 *   GET    /status                       components (state, pid, restarts, last exit) and active faults
 *   POST   /faults                       inject a FaultRequest; it reverts by itself at expiresAt
 *   DELETE /faults/<id>                  revert one fault now (404 if it is not on)
 *   POST   /reset                        revert every fault in the lab
 *   POST   /components/<name>/ready      wait until the component is up again, starting it if held down
 *   POST   /services/<name>/<kill|stop|start>   for tests: SIGKILL (then supervised restart), SIGTERM and hold, start
 */
export const faultableComponents = ['api', 'simulator', 'consumer', 'kafka', 'database'] as const;
export type FaultableComponent = (typeof faultableComponents)[number];

export type LabFaultKind = 'kill' | 'freeze' | 'outage' | 'network' | 'http';

export interface FaultRequest {
  id: string;
  kind: LabFaultKind;
  components: string[];
  /**
   * network: { to: 'kafka' | 'database', toxic: { type, … }, toxicity, direction }
   * http: { delayMs?, abortStatus?, percent, pathPrefix? }
   */
  params: Record<string, unknown>;
  /** Epoch ms: the lab reverts the fault by itself then, whatever happens to whoever asked. */
  expiresAt: number;
}

export interface ActiveFault extends FaultRequest {
  injectedAt: number;
}

export type ComponentState = 'running' | 'starting' | 'restarting' | 'held' | 'frozen' | 'stopped';

export interface ComponentStatus {
  state: ComponentState;
  pid?: number;
  restarts: number;
  lastExit?: { code: number | null; at: number };
  /** When a supervised restart is due, while restarting. */
  restartAt?: number;
}

export interface LabStatus {
  components: Record<string, ComponentStatus>;
  faults: ActiveFault[];
  /** Whether toxiproxy sits between the services and Kafka / the database (network faults need it). */
  faultProxies: boolean;
}

/** The lab's run state, written beside its data so `npm run chaos` finds a running lab. */
export interface LabRunState {
  controlUrl: string;
  pid: number;
  startedAt: number;
  apiUrl: string;
  prometheusUrl: string;
  mongoUrl: string;
  runDir: string;
}

export const runStateFile = 'control.json';
