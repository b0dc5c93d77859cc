/**
 * Faults in the no-cluster lab, applied by the lab itself so that it can take them back on its own: each has a
 * timer for its expiry, whoever asked for it (a chaos runner that then crashed cannot leave one behind), and
 * `reset` drops them all.
 *   kill     SIGKILL; the supervisor restarts it with backoff
 *   freeze   SIGSTOP, SIGCONT on revert
 *   outage   stopped and held down, started on revert (a broker or database outage)
 *   network  a toxic on the component's toxiproxy link to Kafka or the database, or the link disabled (partition)
 *   http     delay/abort a share of the api's requests, through its fault-injection port on 127.0.0.1
 */
import { faultableComponents, type ActiveFault, type FaultableComponent, type FaultRequest } from './control-protocol';
import { databaseClients, serviceNames, type Lab } from './lab';

export class FaultError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface Held {
  fault: ActiveFault;
  timer: NodeJS.Timeout;
  revert: () => Promise<void>;
  reverting?: Promise<void>;
}

const toxicTypes: Record<string, string> = { latency: 'latency', bandwidth: 'bandwidth', timeout: 'timeout', reset: 'reset_peer' };

function toxicAttributes(toxic: Record<string, unknown>): Record<string, number> {
  switch (toxic.type) {
    case 'latency':
      return { latency: Number(toxic.latencyMs), jitter: Number(toxic.jitterMs ?? 0) };
    case 'bandwidth':
      return { rate: Number(toxic.rateKBps) };
    case 'timeout':
      return { timeout: Number(toxic.timeoutMs) };
    case 'reset':
      return { timeout: Number(toxic.timeoutMs ?? 0) };
    default:
      throw new FaultError(`params.toxic.type: unknown toxic ${String(toxic.type)}`);
  }
}

async function call(url: string, method: string, body?: unknown): Promise<Response> {
  return fetch(url, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
}

export class LabFaults {
  private readonly active = new Map<string, Held>();

  constructor(
    private readonly lab: Lab,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Forgets every fault's timer (the lab is stopping, and its processes take the faults with them). */
  dispose(): void {
    for (const held of this.active.values()) clearTimeout(held.timer);
    this.active.clear();
  }

  list(): ActiveFault[] {
    return [...this.active.values()].map((h) => h.fault);
  }

  /** Validates and applies a fault; it reverts by itself at expiresAt. */
  async inject(request: FaultRequest): Promise<ActiveFault> {
    if (typeof request.id !== 'string' || !/^[\w.-]{1,200}$/.test(request.id)) throw new FaultError('id: expected letters, digits, . _ -');
    if (this.active.has(request.id)) throw new FaultError(`id: fault ${request.id} is already on`, 409);
    if (!Array.isArray(request.components) || request.components.length === 0) throw new FaultError('components: expected a non-empty list');
    request.components.forEach((c, i) => {
      if (!(faultableComponents as readonly string[]).includes(c)) throw new FaultError(`components.${i}: unknown component ${c}; known: ${faultableComponents.join(', ')}`);
    });
    if (typeof request.expiresAt !== 'number' || request.expiresAt <= Date.now()) throw new FaultError('expiresAt: expected a time in the future (epoch ms)');
    const components = request.components as FaultableComponent[];
    const params = request.params ?? {};
    let revert: () => Promise<void>;
    switch (request.kind) {
      case 'kill':
        for (const c of components) await this.lab.killComponent(c);
        revert = async () => {
          for (const c of components) await this.lab.ensureReady(c);
        };
        break;
      case 'freeze':
        for (const c of components) this.lab.freeze(c);
        revert = async () => {
          for (const c of components) this.lab.thaw(c);
        };
        break;
      case 'outage':
        await Promise.all(components.map((c) => this.lab.holdDown(c)));
        revert = async () => {
          for (const c of components) await this.lab.ensureReady(c);
        };
        break;
      case 'network':
        revert = await this.network(request.id, components, params);
        break;
      case 'http':
        revert = await this.http(components, params, request.expiresAt);
        break;
      default:
        throw new FaultError(`kind: unknown fault kind ${String(request.kind)}; known: kill, freeze, outage, network, http`);
    }
    const fault: ActiveFault = { ...request, params, injectedAt: Date.now() };
    const timer = setTimeout(() => {
      this.log(`fault ${fault.id} expired; reverting`);
      void this.revert(fault.id).catch((error: Error) => this.log(`reverting ${fault.id} failed: ${error.message}`));
    }, Math.max(0, request.expiresAt - Date.now()));
    this.active.set(request.id, { fault, timer, revert });
    this.log(`fault ${fault.id}: ${fault.kind} ${components.join(',')} ${JSON.stringify(params)} until ${new Date(fault.expiresAt).toISOString()}`);
    return fault;
  }

  /** Reverts one fault; false if it is not on. Concurrent reverts of one fault share the work. */
  async revert(id: string): Promise<boolean> {
    const held = this.active.get(id);
    if (!held) return false;
    clearTimeout(held.timer);
    held.reverting ??= held.revert().then(() => {
      this.active.delete(id);
      this.log(`fault ${id} reverted`);
    });
    await held.reverting.catch((error: Error) => {
      held.reverting = undefined;
      throw error;
    });
    return true;
  }

  /** The kill switch: every fault reverted, then the fault layer itself put back to clean (toxiproxy, the api). */
  async reset(): Promise<string[]> {
    const ids = [...this.active.keys()];
    const errors: string[] = [];
    for (const id of ids.reverse()) await this.revert(id).catch((error: Error) => errors.push(`${id}: ${error.message}`));
    const { toxiproxyUrl, apiFaultsUrl } = this.lab.endpoints;
    if (toxiproxyUrl) await call(`${toxiproxyUrl}/reset`, 'POST').catch((error: Error) => errors.push(`toxiproxy: ${error.message}`));
    if (apiFaultsUrl) await call(`${apiFaultsUrl}/fault`, 'DELETE').catch(() => undefined);
    for (const name of faultableComponents) await this.lab.ensureReady(name).catch((error: Error) => errors.push(`${name}: ${error.message}`));
    if (errors.length > 0) throw new FaultError(`reset incomplete: ${errors.join('; ')}`, 500);
    return ids;
  }

  private async network(id: string, components: FaultableComponent[], params: Record<string, unknown>): Promise<() => Promise<void>> {
    const url = this.lab.endpoints.toxiproxyUrl;
    if (!url) throw new FaultError('kind: network faults need the lab started with its fault layer (toxiproxy); `npm run lab` has it', 409);
    const to = params.to;
    if (to !== 'kafka' && to !== 'database') throw new FaultError('params.to: expected kafka or database');
    const toxic = (params.toxic ?? {}) as Record<string, unknown>;
    const links = components.map((c, i) => {
      if (!(serviceNames as readonly string[]).includes(c)) throw new FaultError(`components.${i}: a network fault starts at a service, not ${c}`);
      if (to === 'database' && !(databaseClients as readonly string[]).includes(c)) throw new FaultError(`components.${i}: ${c} does not use the database`);
      return `${c}-${to}`;
    });
    if (toxic.type === 'partition') {
      for (const link of links) await this.toxiproxy(`${url}/proxies/${link}`, 'POST', { enabled: false });
      return async () => {
        for (const link of links) await this.toxiproxy(`${url}/proxies/${link}`, 'POST', { enabled: true });
      };
    }
    const type = toxicTypes[String(toxic.type)];
    if (!type) throw new FaultError(`params.toxic.type: expected latency, bandwidth, timeout, reset or partition`);
    const attributes = toxicAttributes(toxic);
    const toxicity = typeof params.toxicity === 'number' ? params.toxicity : 1;
    const direction = params.direction ?? 'both';
    const streams = direction === 'both' ? ['upstream', 'downstream'] : [String(direction)];
    const created: Array<{ link: string; name: string }> = [];
    for (const link of links) {
      for (const stream of streams) {
        const name = `${id}-${stream}`;
        await this.toxiproxy(`${url}/proxies/${link}/toxics`, 'POST', { name, type, stream, toxicity, attributes });
        created.push({ link, name });
      }
    }
    return async () => {
      for (const { link, name } of created) {
        const response = await call(`${url}/proxies/${link}/toxics/${name}`, 'DELETE');
        if (!response.ok && response.status !== 404) throw new Error(`toxiproxy: removing ${name} from ${link}: ${response.status}`);
      }
    };
  }

  private async toxiproxy(url: string, method: string, body: unknown): Promise<void> {
    const response = await call(url, method, body);
    if (!response.ok) throw new FaultError(`toxiproxy ${method} ${url}: ${response.status} ${await response.text()}`, 502);
  }

  private async http(components: FaultableComponent[], params: Record<string, unknown>, expiresAt: number): Promise<() => Promise<void>> {
    const url = this.lab.endpoints.apiFaultsUrl;
    if (!url) throw new FaultError('kind: http faults need the lab started with its fault layer; `npm run lab` has it', 409);
    if (components.some((c) => c !== 'api')) throw new FaultError('components: only the api serves HTTP');
    const { delayMs, abortStatus, percent, pathPrefix } = params;
    const response = await call(`${url}/fault`, 'PUT', { delayMs, abortStatus, percent, pathPrefix, expiresAt });
    if (!response.ok) throw new FaultError(`the api refused the fault: ${response.status} ${await response.text()}`, response.status === 400 ? 400 : 502);
    return async () => {
      const cleared = await call(`${url}/fault`, 'DELETE').catch((error: Error) => {
        // An api that is down has no fault on: it starts without one.
        if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return undefined;
        throw error;
      });
      if (cleared && !cleared.ok) throw new Error(`the api did not clear its fault: ${cleared.status}`);
    };
  }
}
