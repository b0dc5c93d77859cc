import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureInfrastructure, type Installed } from './install';
import { startFerretdb, startJaeger, startKafka, startPrometheus, startToxiproxy, type JaegerPorts, type ToxiproxyLink } from './infra';
import type { ComponentStatus, FaultableComponent } from './control-protocol';
import { repoRoot } from './paths';
import { httpOk, ManagedProcess, portOpen } from './process';
import type { Progress } from './progress';
import { serveWeb, type WebProxy } from './web-server';
import { freePorts } from './ports';

export const serviceNames = ['api', 'simulator', 'consumer'] as const;
export type ServiceName = (typeof serviceNames)[number];

export interface LabPorts {
  web: number;
  api: number;
  simulator: number;
  consumer: number;
  kafka: number;
  kafkaController: number;
  mongo: number;
  prometheus: number;
  jaeger: JaegerPorts;
  /** The fault layer (docs/chaos.md): toxiproxy in front of Kafka and the database, the api's fault admin port. */
  faults?: FaultPorts;
}

export interface FaultPorts {
  toxiproxy: number;
  /** The api's fault-injection admin listener (127.0.0.1 only). */
  apiFaults: number;
  /** Per service: the broker's listener for it, and the toxiproxy port in front of that listener. */
  kafkaListener: Record<ServiceName, number>;
  kafkaProxy: Record<ServiceName, number>;
  /** Per service that uses the database: the toxiproxy port in front of FerretDB. */
  databaseProxy: Record<DatabaseClient, number>;
}

/** The services that talk to the database (the simulator doesn't). */
export const databaseClients = ['api', 'consumer'] as const;
export type DatabaseClient = (typeof databaseClients)[number];

/** The lab's defaults, as docs/local-lab.md lists them; all on 127.0.0.1. */
export const defaultPorts: LabPorts = {
  web: 5173,
  api: 3000,
  simulator: 3001,
  consumer: 3002,
  kafka: 9092,
  kafkaController: 9093,
  mongo: 27017,
  prometheus: 9090,
  jaeger: { query: 16686, queryGrpc: 16685, otlpGrpc: 4317, otlpHttp: 4318, health: 13133 },
  faults: {
    toxiproxy: 8474,
    apiFaults: 3100,
    kafkaListener: { api: 19101, simulator: 19102, consumer: 19103 },
    kafkaProxy: { api: 19201, simulator: 19202, consumer: 19203 },
    databaseProxy: { api: 19301, consumer: 19303 },
  },
};

/** Free ports for every part of a lab, for tests and benchmarks that run beside a user's own lab. */
export async function freeLabPorts(): Promise<LabPorts> {
  const p = await freePorts(24);
  const at = (i: number): number => p[i]!;
  return {
    web: at(0),
    api: at(1),
    simulator: at(2),
    consumer: at(3),
    kafka: at(4),
    kafkaController: at(5),
    mongo: at(6),
    prometheus: at(7),
    jaeger: { query: at(8), queryGrpc: at(9), otlpGrpc: at(10), otlpHttp: at(11), health: at(12) },
    faults: {
      toxiproxy: at(13),
      apiFaults: at(14),
      kafkaListener: { api: at(15), simulator: at(16), consumer: at(17) },
      kafkaProxy: { api: at(18), simulator: at(19), consumer: at(20) },
      databaseProxy: { api: at(21), consumer: at(22) },
    },
  };
}

/** Everything a user or a test needs to reach the lab. */
export interface LabEndpoints {
  webUrl: string;
  apiUrl: string;
  simulatorUrl: string;
  consumerUrl: string;
  kafkaBrokers: string[];
  mongoUrl: string;
  jaegerUrl: string;
  otlpHttpUrl: string;
  prometheusUrl: string;
  runDir: string;
  logDir: string;
  /** toxiproxy's API, when the fault layer is on. */
  toxiproxyUrl?: string;
  /** The api's fault-injection admin URL (127.0.0.1 only), when the fault layer is on. */
  apiFaultsUrl?: string;
}

export interface LabOptions {
  /** Data and logs of this run. */
  runDir: string;
  ports: LabPorts;
  progress: Progress;
  /** OpenTelemetry in the services; off to measure what it costs. */
  telemetry?: boolean;
  /** Extra environment per service, e.g. a faster pace in tests. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Prometheus rule files to load. */
  ruleFiles?: string[];
  logLevel?: string;
  /**
   * Settings of the map's /config.json over the lab's own, e.g. `{ tileUrl: '' }` to keep the browser offline (the
   * integration tests do).
   */
  webConfig?: Record<string, string>;
  /**
   * The fault layer for chaos experiments: toxiproxy between the services and Kafka / the database, and the api's
   * fault-injection admin port. Off by default (benchmarks measure the plain path); `npm run lab` and the
   * integration lab turn it on.
   */
  faults?: boolean;
}

/** Exponential backoff for supervised restarts, as Kubernetes does for a crashing container: 1 s, 2 s, 4 s … 30 s. */
export function restartDelay(previousDelayMs: number | undefined, upForMs: number): number {
  // A process that stayed up a minute was healthy: its next crash starts the backoff over.
  if (previousDelayMs === undefined || upForMs >= 60_000) return 1_000;
  return Math.min(previousDelayMs * 2, 30_000);
}

interface Supervised {
  name: FaultableComponent;
  launch: () => Promise<ManagedProcess>;
  process?: ManagedProcess;
  /** A start under way (first start, supervised restart or release). */
  starting?: Promise<void>;
  /** Stopped on purpose (stop, outage fault, lab stopping): not restarted. */
  held: boolean;
  frozen: boolean;
  restarts: number;
  lastExit?: { code: number | null; at: number };
  delayMs?: number;
  upSince?: number;
  restartTimer?: NodeJS.Timeout;
  restartAt?: number;
}

export class Lab {
  private readonly infra: ManagedProcess[] = [];
  /** Services, Kafka and the database: restarted by the lab when they die, as Kubernetes restarts a container. */
  private readonly supervised = new Map<FaultableComponent, Supervised>();
  private stopping = false;
  private prometheus: ManagedProcess | undefined;
  private web: { close(): Promise<void> } | undefined;
  readonly endpoints: LabEndpoints;
  private installed: Installed | undefined;

  constructor(private readonly options: LabOptions) {
    const { ports } = options;
    this.endpoints = {
      webUrl: `http://127.0.0.1:${ports.web}`,
      apiUrl: `http://127.0.0.1:${ports.api}`,
      simulatorUrl: `http://127.0.0.1:${ports.simulator}`,
      consumerUrl: `http://127.0.0.1:${ports.consumer}`,
      kafkaBrokers: [`127.0.0.1:${ports.kafka}`],
      mongoUrl: `mongodb://127.0.0.1:${ports.mongo}/fleetlab`,
      jaegerUrl: `http://127.0.0.1:${ports.jaeger.query}`,
      otlpHttpUrl: `http://127.0.0.1:${ports.jaeger.otlpHttp}`,
      prometheusUrl: `http://127.0.0.1:${ports.prometheus}`,
      runDir: options.runDir,
      logDir: join(options.runDir, 'logs'),
      ...(options.faults && ports.faults
        ? { toxiproxyUrl: `http://127.0.0.1:${ports.faults.toxiproxy}`, apiFaultsUrl: `http://127.0.0.1:${ports.faults.apiFaults}` }
        : {}),
    };
  }

  /** Whether toxiproxy and the api's fault injection are there. */
  get faultLayer(): boolean {
    return this.options.faults === true && this.options.ports.faults !== undefined;
  }

  private get logDir(): string {
    return this.endpoints.logDir;
  }

  /** Installs what is missing, then starts infrastructure, services and Prometheus, each waited for. */
  async start(): Promise<void> {
    const { progress, ports, runDir } = this.options;
    mkdirSync(this.logDir, { recursive: true });
    killStale(runDir, progress);
    await assertPortsFree(ports);
    const installed = await ensureInfrastructure(progress);
    this.installed = installed;
    progress.step(`starting Kafka, FerretDB and Jaeger${this.faultLayer ? ', and toxiproxy in front of Kafka and FerretDB' : ''}`);
    const fault = this.faultLayer ? ports.faults : undefined;
    const kafkaPorts = {
      broker: ports.kafka,
      controller: ports.kafkaController,
      proxied: fault
        ? serviceNames.map((name) => ({ name: `PROXY_${name.toUpperCase()}`, port: fault.kafkaListener[name], advertisedPort: fault.kafkaProxy[name] }))
        : [],
    };
    this.supervise('kafka', () => startKafka(installed, join(runDir, 'kafka'), kafkaPorts, this.logDir));
    this.supervise('database', () => startFerretdb(installed, join(runDir, 'ferretdb'), ports.mongo, this.logDir));
    const started = await Promise.allSettled([
      this.startComponent('kafka'),
      this.startComponent('database'),
      startJaeger(installed, ports.jaeger, this.logDir).then((p) => void this.infra.push(p)),
      ...(fault ? [startToxiproxy(installed, fault.toxiproxy, this.toxiproxyLinks(fault), this.logDir).then((p) => void this.infra.push(p))] : []),
    ]);
    this.recordPids();
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    progress.done(`Kafka ${this.endpoints.kafkaBrokers[0]} · MongoDB API ${this.endpoints.mongoUrl} · Jaeger ${this.endpoints.jaegerUrl}${this.endpoints.toxiproxyUrl ? ` · toxiproxy ${this.endpoints.toxiproxyUrl}` : ''}`);
    for (const name of serviceNames) this.supervise(name, () => this.launchService(name));

    progress.step('starting api, then simulator and consumer');
    await this.startComponent('api');
    await Promise.all([this.startComponent('simulator'), this.startComponent('consumer')]);
    progress.done(`api ${this.endpoints.apiUrl} · simulator ${this.endpoints.simulatorUrl} · consumer ${this.endpoints.consumerUrl}`);

    progress.step('starting Prometheus');
    this.prometheus = await startPrometheus(
      installed,
      join(runDir, 'prometheus'),
      ports.prometheus,
      { api: `127.0.0.1:${ports.api}`, simulator: `127.0.0.1:${ports.simulator}`, consumer: `127.0.0.1:${ports.consumer}` },
      this.options.ruleFiles ?? [],
      this.logDir,
    );
    this.recordPids();
    progress.done(`Prometheus ${this.endpoints.prometheusUrl}`);

    this.web = await serveWeb({ port: ports.web, config: this.webConfig(), proxies: this.webProxies() });
    progress.done(`map ${this.endpoints.webUrl}`);
  }

  /**
   * The map's runtime config: this lab's api; Prometheus and Jaeger through the web server's same-origin proxies
   * (docs/cockpit.md); no Jaeger UI link, as this lab's Jaeger is built without its UI, so the trace link is the
   * trip's trace as JSON. OpenStreetMap's tiles are the app's default; `webConfig` overrides any of it.
   */
  webConfig(): Record<string, string> {
    return {
      apiUrl: this.endpoints.apiUrl,
      prometheusUrl: '/prometheus',
      jaegerApiUrl: '/jaeger',
      jaegerUrl: '',
      traceUrlTemplate: `${this.endpoints.webUrl}/jaeger/api/traces?service=simulator&lookback=1h&tags=%7B%22fleetlab.trip.id%22%3A%22{tripId}%22%7D`,
      ...this.options.webConfig,
    };
  }

  /** Read-only paths from the map's origin to the APIs the cockpit reads. */
  webProxies(): WebProxy[] {
    return [
      { prefix: '/prometheus', target: this.endpoints.prometheusUrl, allow: ['/api/v1/query', '/api/v1/alerts', '/api/v1/rules'] },
      { prefix: '/jaeger', target: this.endpoints.jaegerUrl, allow: ['/api/traces', '/api/services'] },
    ];
  }

  /** One proxy per service and dependency: `<service>-kafka`, `<service>-database`. */
  private toxiproxyLinks(fault: FaultPorts): ToxiproxyLink[] {
    return [
      ...serviceNames.map((name) => ({ name: `${name}-kafka`, listen: fault.kafkaProxy[name], upstream: fault.kafkaListener[name] })),
      ...databaseClients.map((name) => ({ name: `${name}-database`, listen: fault.databaseProxy[name], upstream: this.options.ports.mongo })),
    ];
  }

  serviceEnvironment(name: ServiceName): NodeJS.ProcessEnv {
    const { ports, telemetry = true } = this.options;
    const fault = this.faultLayer ? ports.faults : undefined;
    // With the fault layer, each service reaches Kafka and the database through its own toxiproxy link.
    const kafkaBrokers = fault ? `127.0.0.1:${fault.kafkaProxy[name]}` : this.endpoints.kafkaBrokers.join(',');
    const databasePort = fault && name !== 'simulator' ? fault.databaseProxy[name] : ports.mongo;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: String(ports[name]),
      KAFKA_BROKERS: kafkaBrokers,
      MONGO_URL: `mongodb://127.0.0.1:${databasePort}/fleetlab`,
      ...(fault && name === 'api' ? { FAULT_INJECTION_PORT: String(fault.apiFaults) } : {}),
      API_URL: this.endpoints.apiUrl,
      LOG_LEVEL: this.options.logLevel ?? 'info',
      OTEL_SERVICE_NAME: name,
      OTEL_SDK_DISABLED: telemetry ? 'false' : 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: this.endpoints.otlpHttpUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_EXPORTER: 'otlp',
      // Metrics are Prometheus' job (pull, /metrics) and logs go to files; OTLP carries traces only.
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      FLEETLAB_ENVIRONMENT: 'local',
      ...this.options.serviceEnv?.[name],
    };
    return env;
  }

  /** Spawns one service and waits until its /readyz answers 200. */
  private async launchService(name: ServiceName): Promise<ManagedProcess> {
    const dir = join(repoRoot, 'services', name);
    const main = join(dir, 'dist', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    // FLEETLAB_CPU_PROFILE_DIR=<dir>: each service writes a V8 CPU profile there when it stops (docs/benchmarks.md).
    const profileDir = process.env.FLEETLAB_CPU_PROFILE_DIR;
    const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
    const service = new ManagedProcess(name, process.execPath, [...profile, '-r', '@fleetlab/telemetry/register', main], {
      cwd: dir,
      env: this.serviceEnvironment(name),
      logFile: join(this.logDir, `${name}.log`),
    }).start();
    const url = `http://127.0.0.1:${this.options.ports[name]}/readyz`;
    try {
      await service.waitUntil(`${url} to answer 200`, () => httpOk(url), 90_000);
    } catch (error) {
      await service.kill();
      throw error;
    }
    return service;
  }

  private supervise(name: FaultableComponent, launch: () => Promise<ManagedProcess>): void {
    this.supervised.set(name, { name, launch, held: false, frozen: false, restarts: 0 });
  }

  private component(name: FaultableComponent): Supervised {
    const c = this.supervised.get(name);
    if (!c) throw new Error(`${name} is not a component of this lab`);
    return c;
  }

  /** Starts a component unless it is running or starting, and waits until it is ready. */
  startComponent(name: FaultableComponent): Promise<void> {
    const c = this.component(name);
    c.held = false;
    if (c.starting) return c.starting;
    if (c.restartTimer) {
      clearTimeout(c.restartTimer);
      c.restartTimer = undefined;
      c.restartAt = undefined;
    }
    if (c.process?.running) return Promise.resolve();
    c.starting = c
      .launch()
      .then((proc) => {
        c.process = proc;
        c.upSince = Date.now();
        this.recordPids();
        void proc.wait().then((code) => this.exited(c, proc, code));
      })
      .catch((error: Error) => {
        // A failed supervised restart is retried with backoff; a failed first start fails the lab's start.
        if (c.restarts > 0 && !this.stopping && !c.held) this.scheduleRestart(c, `start failed: ${error.message}`);
        throw error;
      })
      .finally(() => {
        c.starting = undefined;
      });
    return c.starting;
  }

  private exited(c: Supervised, proc: ManagedProcess, code: number | null | undefined): void {
    if (c.process !== proc) return;
    c.lastExit = { code: code ?? null, at: Date.now() };
    c.frozen = false;
    if (this.stopping || c.held) return;
    this.scheduleRestart(c, `exited with status ${code ?? 'unknown'}`);
  }

  private scheduleRestart(c: Supervised, why: string): void {
    c.delayMs = restartDelay(c.delayMs, Date.now() - (c.upSince ?? Date.now()));
    c.restarts += 1;
    c.restartAt = Date.now() + c.delayMs;
    this.options.progress.info(`${c.name} ${why}; restart ${c.restarts} in ${c.delayMs / 1000} s (log: ${join(this.logDir, `${c.name === 'database' ? 'ferretdb' : c.name}.log`)})`);
    c.restartTimer = setTimeout(() => {
      c.restartTimer = undefined;
      c.restartAt = undefined;
      if (this.stopping || c.held) return;
      this.startComponent(c.name).then(
        () => this.options.progress.info(`${c.name} restarted (restart ${c.restarts}, pid ${c.process?.pid})`),
        () => undefined,
      );
    }, c.delayMs);
  }

  /** Starts (or waits for) a service: idempotent, so a test's `start` after a supervised restart is harmless. */
  async startService(name: ServiceName): Promise<void> {
    await this.startComponent(name);
  }

  servicePid(name: ServiceName): number | undefined {
    return this.supervised.get(name)?.process?.pid;
  }

  componentPid(name: FaultableComponent): number | undefined {
    const c = this.supervised.get(name);
    return c?.process?.running ? c.process.pid : undefined;
  }

  /** Stops a component and keeps it down (no supervised restart) until startComponent. */
  async holdDown(name: FaultableComponent): Promise<void> {
    const c = this.component(name);
    c.held = true;
    if (c.restartTimer) clearTimeout(c.restartTimer);
    c.restartTimer = undefined;
    c.restartAt = undefined;
    await c.starting?.catch(() => undefined);
    if (c.frozen) this.thaw(name);
    await c.process?.stop(name === 'kafka' || name === 'database' ? 30_000 : 15_000);
  }

  async stopService(name: ServiceName): Promise<void> {
    await this.holdDown(name);
  }

  /** SIGKILL: no chance to flush or commit; the supervisor restarts it with backoff. */
  async killComponent(name: FaultableComponent): Promise<void> {
    const c = this.component(name);
    await c.starting?.catch(() => undefined);
    if (c.frozen) this.thaw(name);
    await c.process?.kill();
  }

  async killService(name: ServiceName): Promise<void> {
    await this.killComponent(name);
  }

  /** SIGSTOP: the process stays, answering nothing, until thaw (SIGCONT). */
  freeze(name: FaultableComponent): void {
    const c = this.component(name);
    const pid = this.componentPid(name);
    if (pid === undefined) throw new Error(`${name} is not running`);
    process.kill(pid, 'SIGSTOP');
    c.frozen = true;
  }

  thaw(name: FaultableComponent): void {
    const c = this.component(name);
    const pid = this.componentPid(name);
    if (pid !== undefined) process.kill(pid, 'SIGCONT');
    c.frozen = false;
  }

  /** Waits until a component is up, starting it if it is held down; a frozen one is thawed. */
  async ensureReady(name: FaultableComponent, timeoutMs = 120_000): Promise<void> {
    const c = this.component(name);
    if (c.frozen) this.thaw(name);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (c.process?.running && !c.starting) return;
      await this.startComponent(name).catch(() => undefined);
      if (c.process?.running) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`${name} not ready after ${timeoutMs / 1000} s; see ${this.logDir}`);
  }

  componentStatus(): Record<string, ComponentStatus> {
    const out: Record<string, ComponentStatus> = {};
    for (const [name, c] of this.supervised) {
      const running = c.process?.running === true;
      const state = c.frozen
        ? 'frozen'
        : c.held
          ? 'held'
          : c.starting
            ? c.restarts > 0 ? 'restarting' : 'starting'
            : c.restartTimer
              ? 'restarting'
              : running
                ? 'running'
                : 'stopped';
      out[name] = {
        state,
        pid: running ? c.process?.pid : undefined,
        restarts: c.restarts,
        ...(c.lastExit ? { lastExit: c.lastExit } : {}),
        ...(c.restartAt ? { restartAt: c.restartAt } : {}),
      };
    }
    return out;
  }

  /** Stops in reverse dependency order: Prometheus, services, then infrastructure. Nothing is restarted meanwhile. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const c of this.supervised.values()) {
      if (c.restartTimer) clearTimeout(c.restartTimer);
      // A frozen process can't act on SIGTERM.
      if (c.frozen) this.thaw(c.name);
    }
    await this.web?.close();
    await this.prometheus?.stop();
    const stopOne = async (name: FaultableComponent, graceMs = 15_000): Promise<void> => {
      const c = this.supervised.get(name);
      await c?.starting?.catch(() => undefined);
      await c?.process?.stop(graceMs);
    };
    await Promise.all([stopOne('simulator'), stopOne('consumer')]);
    await stopOne('api');
    await Promise.all([stopOne('kafka', 30_000), stopOne('database', 30_000), ...this.infra.map((p) => p.stop(30_000))]);
    writeFileSync(join(this.options.runDir, 'pids.json'), '[]\n');
  }

  get installedInfrastructure(): Installed | undefined {
    return this.installed;
  }

  private recordPids(): void {
    const supervised = [...this.supervised.values()].map((c) => c.process).filter((p): p is ManagedProcess => p !== undefined);
    const pids = [...this.infra, ...supervised, ...(this.prometheus ? [this.prometheus] : [])]
      .map((p) => p.pid)
      .filter((pid): pid is number => pid !== undefined);
    writeFileSync(join(this.options.runDir, 'pids.json'), `${JSON.stringify(pids)}\n`);
  }
}

/** A lab killed without cleanup (SIGKILL, a closed terminal) leaves processes behind; the next start ends them. */
function killStale(runDir: string, progress: Progress): void {
  const file = join(runDir, 'pids.json');
  if (!existsSync(file)) return;
  let pids: number[] = [];
  try {
    pids = JSON.parse(readFileSync(file, 'utf8')) as number[];
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      // Only a process that still looks like ours: pids get reused.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/dist\/main\.js|kafka|ferretdb|jaeger|prometheus|toxiproxy/.test(cmdline)) continue;
      // A process frozen by a chaos experiment of that run must be thawed to die cleanly of SIGKILL's reaping.
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
      progress.info(`stopped pid ${pid} left over from a previous run`);
    } catch {
      // Already gone.
    }
  }
}

async function assertPortsFree(ports: LabPorts): Promise<void> {
  const all: Array<[string, number]> = [
    ['web', ports.web],
    ['api', ports.api],
    ['simulator', ports.simulator],
    ['consumer', ports.consumer],
    ['Kafka', ports.kafka],
    ['Kafka controller', ports.kafkaController],
    ['MongoDB API', ports.mongo],
    ['Prometheus', ports.prometheus],
    ['Jaeger query', ports.jaeger.query],
    ['Jaeger OTLP gRPC', ports.jaeger.otlpGrpc],
    ['Jaeger OTLP HTTP', ports.jaeger.otlpHttp],
  ];
  if (ports.faults) {
    all.push(['toxiproxy', ports.faults.toxiproxy], ['api fault injection', ports.faults.apiFaults]);
    for (const name of serviceNames) all.push([`Kafka listener for ${name}`, ports.faults.kafkaListener[name]], [`Kafka proxy for ${name}`, ports.faults.kafkaProxy[name]]);
    for (const name of databaseClients) all.push([`database proxy for ${name}`, ports.faults.databaseProxy[name]]);
  }
  const busy: string[] = [];
  for (const [name, port] of all) if (await portOpen(port)) busy.push(`${name} ${port}`);
  if (busy.length > 0) {
    throw new Error(`ports already in use on 127.0.0.1: ${busy.join(', ')}. Is another lab running? Stop it, or free the ports.`);
  }
}
