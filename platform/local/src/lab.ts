import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureInfrastructure, type Installed } from './install';
import { startFerretdb, startJaeger, startKafka, startPrometheus, type JaegerPorts } from './infra';
import { repoRoot } from './paths';
import { httpOk, ManagedProcess, portOpen } from './process';
import type { Progress } from './progress';
import { serveWeb } from './web-server';
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
}

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
};

/** Free ports for every part of a lab, for tests and benchmarks that run beside a user's own lab. */
export async function freeLabPorts(): Promise<LabPorts> {
  const p = await freePorts(13);
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
}

export class Lab {
  private readonly infra: ManagedProcess[] = [];
  private readonly services = new Map<ServiceName, ManagedProcess>();
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
    };
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
    progress.step('starting Kafka, FerretDB and Jaeger');
    const started = await Promise.allSettled([
      startKafka(installed, join(runDir, 'kafka'), { broker: ports.kafka, controller: ports.kafkaController }, this.logDir),
      startFerretdb(installed, join(runDir, 'ferretdb'), ports.mongo, this.logDir),
      startJaeger(installed, ports.jaeger, this.logDir),
    ]);
    for (const result of started) if (result.status === 'fulfilled') this.infra.push(result.value);
    this.recordPids();
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    progress.done(`Kafka ${this.endpoints.kafkaBrokers[0]} · MongoDB API ${this.endpoints.mongoUrl} · Jaeger ${this.endpoints.jaegerUrl}`);

    progress.step('starting api, then simulator and consumer');
    await this.startService('api');
    await Promise.all([this.startService('simulator'), this.startService('consumer')]);
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

    this.web = await serveWeb({ port: ports.web, config: this.webConfig() });
    progress.done(`map ${this.endpoints.webUrl}`);
  }

  /** The map's runtime config: this lab's api, and trace links into its Jaeger (whose API, not UI, is built here). */
  webConfig(): Record<string, string> {
    return {
      apiUrl: this.endpoints.apiUrl,
      jaegerUrl: this.endpoints.jaegerUrl,
      traceUrlTemplate: `{jaegerUrl}/api/traces?service=simulator&lookback=1h&tags=%7B%22fleetlab.trip.id%22%3A%22{tripId}%22%7D`,
    };
  }

  serviceEnvironment(name: ServiceName): NodeJS.ProcessEnv {
    const { ports, telemetry = true } = this.options;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: String(ports[name]),
      KAFKA_BROKERS: this.endpoints.kafkaBrokers.join(','),
      MONGO_URL: this.endpoints.mongoUrl,
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

  /** Starts (or restarts) one service and waits until its /readyz answers 200. */
  async startService(name: ServiceName): Promise<void> {
    const previous = this.services.get(name);
    if (previous?.running) throw new Error(`${name} is already running`);
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
    this.services.set(name, service);
    this.recordPids();
    const url = `http://127.0.0.1:${this.options.ports[name]}/readyz`;
    await service.waitUntil(`${url} to answer 200`, () => httpOk(url), 90_000);
  }

  servicePid(name: ServiceName): number | undefined {
    return this.services.get(name)?.pid;
  }

  async stopService(name: ServiceName): Promise<void> {
    await this.services.get(name)?.stop();
  }

  /** SIGKILL: the service gets no chance to flush or commit. */
  async killService(name: ServiceName): Promise<void> {
    await this.services.get(name)?.kill();
  }

  /** Stops in reverse dependency order: Prometheus, services, then infrastructure. */
  async stop(): Promise<void> {
    await this.web?.close();
    await this.prometheus?.stop();
    await Promise.all([this.services.get('simulator')?.stop(), this.services.get('consumer')?.stop()]);
    await this.services.get('api')?.stop();
    await Promise.all(this.infra.map((p) => p.stop(30_000)));
    writeFileSync(join(this.options.runDir, 'pids.json'), '[]\n');
  }

  get installedInfrastructure(): Installed | undefined {
    return this.installed;
  }

  private recordPids(): void {
    const pids = [...this.infra, ...this.services.values(), ...(this.prometheus ? [this.prometheus] : [])]
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
      if (!/dist\/main\.js|kafka|ferretdb|jaeger|prometheus/.test(cmdline)) continue;
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
  const busy: string[] = [];
  for (const [name, port] of all) if (await portOpen(port)) busy.push(`${name} ${port}`);
  if (busy.length > 0) {
    throw new Error(`ports already in use on 127.0.0.1: ${busy.join(', ')}. Is another lab running? Stop it, or free the ports.`);
  }
}
