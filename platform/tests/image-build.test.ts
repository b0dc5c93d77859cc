// Real image builds: every docker_build of the Tiltfile, as real Tilt hands it over (Dockerfile, context, context
// filters), built by buildah from the unmodified Dockerfiles on local stand-in bases; then each image runs under podman
// against the no-cluster lab's real Kafka and FerretDB, with the read-only root and scratch volumes of its manifest.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureInfrastructure, freePorts, ManagedProcess, quietProgress } from '../local/src/index';
import { startFerretdb, startKafka } from '../local/src/infra';
import { REPO } from './lib';
import {
  buildAll,
  buildOrder,
  buildStandIns,
  builtTag,
  containerEnv,
  containerLogs,
  containerState,
  IMAGE_LOGS,
  ignoreFileFor,
  removeContainer,
  runContainer,
  tiltImageSpecs,
  waitForHttp,
  type BuildResult,
  type ImageBuildSpec,
} from './images/images';

const SERVICES = ['api', 'simulator', 'consumer'] as const;
/** Confluent Hub is not among the registries this machine reaches: the one step of the connect image that can't run. */
const HUB_UNREACHABLE = /Could not resolve host: api\.hub\.confluent\.io|Failed to connect to api\.hub\.confluent\.io/;

let specs: ImageBuildSpec[] = [];
const results = new Map<string, BuildResult>();

beforeAll(async () => {
  specs = buildOrder(await tiltImageSpecs([]));
  await buildStandIns();
  for (const r of await buildAll(specs, {
    jobs: Number(process.env.FLEETLAB_IMAGE_JOBS ?? 2),
    report: (r) => console.log(`[images] ${r.ref}: ${r.ok ? 'built' : 'failed'} in ${r.seconds}s (log ${r.log})`),
  })) {
    results.set(r.ref, r);
  }
}, 3_600_000);

function built(ref: string): BuildResult {
  const r = results.get(ref);
  if (!r) throw new Error(`${ref} was not built: is it a docker_build of the Tiltfile?`);
  return r;
}

describe("Tilt's build specs", () => {
  it('cover every Dockerfile of the repository, each as it is on disk', () => {
    const dockerfiles = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*Dockerfile'], { cwd: REPO, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .sort();
    const fromTilt = specs.map((s) => s.dockerfileContents);
    for (const file of dockerfiles) expect(fromTilt, `${file} is built by no docker_build`).toContain(readFileSync(join(REPO, file), 'utf8'));
    expect(specs.map((s) => s.ref).sort()).toEqual(['api', 'connect', 'consumer', 'simulator', 'web']);
  });

  it("honour the repository's .dockerignore in every context rooted at the repository", () => {
    const dockerignore = readFileSync(join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const spec of specs.filter((s) => relative(REPO, s.context) === '')) {
      const lines = ignoreFileFor(spec).split('\n');
      for (const pattern of dockerignore) expect(lines, `${spec.ref}: ${pattern}`).toContain(pattern);
    }
  });
});

describe('buildah builds the unmodified Dockerfiles', () => {
  it.each(['api', 'simulator', 'consumer', 'web'])('%s', (ref) => {
    const r = built(ref);
    expect(r.ok, `${ref} failed to build (log ${r.log}):\n${r.tail}`).toBe(true);
  });

  it('connect: builds, or stops only at the connector download from Confluent Hub, which this machine cannot reach', () => {
    const r = built('connect');
    if (r.ok) return;
    // Anything but the hub being unreachable is a real failure of the image.
    expect(r.tail, `connect failed for another reason (log ${r.log})`).toMatch(HUB_UNREACHABLE);
    expect(r.tail).toContain('confluent-hub install');
  });
});

describe('the images run against the lab', () => {
  const env = containerEnv();
  const runDir = mkdtempSync(join(tmpdir(), 'fleetlab-images-'));
  const infra: ManagedProcess[] = [];
  const containers: string[] = [];
  let kafka = '';
  let mongoUrl = '';
  /** The api container's URL, for the simulator (it reads routes from the api); set by the api's test, which runs first. */
  let apiUrl = 'http://127.0.0.1:1';

  beforeAll(async () => {
    const installed = await ensureInfrastructure(quietProgress);
    const [broker, controller, mongo] = await freePorts(3);
    const logDir = join(runDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    infra.push(await startKafka(installed, join(runDir, 'kafka'), { broker: broker!, controller: controller! }, logDir));
    infra.push(await startFerretdb(installed, join(runDir, 'ferretdb'), mongo!, logDir));
    kafka = `127.0.0.1:${broker}`;
    mongoUrl = `mongodb://127.0.0.1:${mongo}/fleetlab`;
  }, 300_000);

  afterAll(async () => {
    for (const name of containers) removeContainer(name, env);
    await Promise.all(infra.map((p) => p.stop(30_000)));
    rmSync(runDir, { recursive: true, force: true });
  });

  function start(name: string, image: string, options: Parameters<typeof runContainer>[2]): string {
    const full = `fleetlab-test-${name}-${process.pid}`;
    containers.push(full);
    return runContainer(full, image, options, env);
  }

  it.each(SERVICES)('%s: /readyz answers 200 with a read-only root and only /tmp writable', async (name) => {
    expect(built(name).ok, `${name} did not build`).toBe(true);
    const [port] = await freePorts(1);
    const container = start(name, builtTag(name), {
      readOnly: true,
      tmpfs: ['/tmp'],
      user: '1000:1000',
      env: {
        HOST: '127.0.0.1',
        PORT: String(port),
        KAFKA_BROKERS: kafka,
        MONGO_URL: mongoUrl,
        API_URL: apiUrl,
        LOG_LEVEL: 'info',
        OTEL_SERVICE_NAME: name,
        // No collector runs here; the SDK still loads (the image's preload), it just exports nothing.
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        FLEETLAB_ENVIRONMENT: 'image-test',
      },
    });
    await waitForHttp(container, `http://127.0.0.1:${port}/readyz`, 120_000, env);
    if (name === 'api') apiUrl = `http://127.0.0.1:${port}`;
  });

  // The images the Kubernetes lab runs create the indexes at start on whatever MongoDB-wire database they are given.
  // MongoDB itself cannot be installed on this machine (no reachable registry serves mongod), so this is the lab's
  // FerretDB: the same start-up step (`mongodb indexes`), the same driver, the same createIndexes commands.
  it('api and consumer images create the indexes of the collections they own', async () => {
    expect(built('api').ok && built('consumer').ok, 'api or consumer did not build').toBe(true);
    const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000 });
    try {
      const database = client.db();
      const names = async (collection: string): Promise<string[]> => (await database.collection(collection).indexes()).map((i) => String(i.name));
      expect(await names('trips')).toEqual(expect.arrayContaining(['_id_', 'fleetId_1_status_1', 'requestedAt_-1']));
      const positions = await database.collection('trip_positions').indexes();
      expect(positions.find((i) => i.name === 'tripId_1_seq_1')).toMatchObject({ key: { tripId: 1, seq: 1 }, unique: true });
    } finally {
      await client.close();
    }
  });

  it('web: nginx serves the built map and /config.json from the ConfigMap mounts, as uid 101 on a read-only root', async () => {
    expect(built('web').ok, 'web did not build').toBe(true);
    const [port] = await freePorts(1);
    const conf = join(runDir, 'web-nginx');
    const config = join(runDir, 'web-config');
    mkdirSync(conf);
    mkdirSync(config);
    // The web-nginx ConfigMap's server on a free port (host network), and a web-config like the lab's.
    writeFileSync(join(conf, 'default.conf'), readFileSync(join(REPO, 'platform', 'base', 'web', 'nginx.conf'), 'utf8').replace('listen 8080;', `listen ${port};`));
    writeFileSync(join(config, 'config.json'), JSON.stringify({ apiUrl: 'http://127.0.0.1:1' }));
    const container = start('web', builtTag('web'), {
      readOnly: true,
      tmpfs: ['/tmp'],
      volumes: [`${conf}:/etc/nginx/conf.d:ro`, `${config}:/etc/fleetlab/web:ro`],
    });
    await waitForHttp(container, `http://127.0.0.1:${port}/healthz`, 60_000, env);
    const index = await fetch(`http://127.0.0.1:${port}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toMatch(/<div id="root">|<script type="module"/);
    const configJson = await fetch(`http://127.0.0.1:${port}/config.json`);
    expect(configJson.status).toBe(200);
    expect(await configJson.json()).toEqual({ apiUrl: 'http://127.0.0.1:1' });
    const user = execFileSync('podman', ['exec', container, 'id', '-u'], { env, encoding: 'utf8' }).trim();
    expect(user).toBe('101');
  });

  describe('connect on a read-only root', () => {
    /** The connect image, or its stand-in base when only the hub download kept it from building (see above). */
    const image = (): string => (built('connect').ok ? builtTag('connect') : 'docker.io/confluentinc/cp-kafka-connect:7.9.1');
    const connectEnv = (port: number): Record<string, string> => ({
      CONNECT_BOOTSTRAP_SERVERS: kafka,
      CONNECT_REST_ADVERTISED_HOST_NAME: '127.0.0.1',
      CONNECT_REST_PORT: String(port),
      // Kafka 3.x ignores rest.port; the listener says where the REST API binds on the host network.
      CONNECT_LISTENERS: `http://127.0.0.1:${port}`,
      CONNECT_GROUP_ID: `connect-${port}`,
      CONNECT_CONFIG_STORAGE_TOPIC: `_connect-configs-${port}`,
      CONNECT_OFFSET_STORAGE_TOPIC: `_connect-offsets-${port}`,
      CONNECT_STATUS_STORAGE_TOPIC: `_connect-status-${port}`,
      CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: '1',
      CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR: '1',
      CONNECT_STATUS_STORAGE_REPLICATION_FACTOR: '1',
      CONNECT_KEY_CONVERTER: 'org.apache.kafka.connect.storage.StringConverter',
      CONNECT_VALUE_CONVERTER: 'org.apache.kafka.connect.json.JsonConverter',
      CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE: 'false',
      CONNECT_PLUGIN_PATH: '/usr/share/java,/usr/share/confluent-hub-components',
      KAFKA_HEAP_OPTS: '-Xms256m -Xmx512m',
    });

    it('crash-loops without a volume on /etc/kafka (the manifest before the fix)', async () => {
      const [port] = await freePorts(1);
      const container = start('connect-old', image(), {
        readOnly: true,
        tmpfs: ['/etc/kafka-connect', '/tmp'],
        user: '1000:1000',
        env: connectEnv(port!),
      });
      const deadline = Date.now() + 60_000;
      while (containerState(container, env).status === 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
      const state = containerState(container, env);
      expect(state.status).toBe('exited');
      expect(state.exitCode).not.toBe(0);
      // The configure step fails writing the log4j config (bash's and Python's wording of EROFS both match).
      expect(containerLogs(container, env)).toMatch(/Read-only file system.*\/etc\/kafka\/connect-log4j\.properties|\/etc\/kafka\/connect-log4j\.properties: Read-only file system/);
    });

    it('starts its REST API with the volumes of platform/components/connect/connect.yaml', async () => {
      const manifest = readFileSync(join(REPO, 'platform', 'components', 'connect', 'connect.yaml'), 'utf8');
      const mounts = [...manifest.matchAll(/mountPath: (\S+)/g)].map((m) => m[1]!);
      expect(mounts).toEqual(expect.arrayContaining(['/etc/kafka-connect', '/etc/kafka', '/tmp']));
      const [port] = await freePorts(1);
      const container = start('connect', image(), { readOnly: true, tmpfs: mounts, user: '1000:1000', env: connectEnv(port!) });
      await waitForHttp(container, `http://127.0.0.1:${port}/connectors`, 180_000, env);
      const root = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { version: string };
      expect(root.version).toMatch(/^3\.9\./);
    });
  });
});

afterAll(() => {
  console.log(`[images] build logs: ${IMAGE_LOGS}`);
});
