// A guided scenario played in the cluster lab (`npm run scenario -- … --target k8s`) against a real kube-apiserver
// (with etcd, Istio's CRDs and the lab's manifests applied for real: base + data + istio) and a real Prometheus with
// the lab's rules: `start` makes the break's objects through the chaos engine's Kubernetes driver (labelled, with
// expiry, recorded in the chaos ledger first); `status` shows the scenario and its faults with time left; `hint` and
// `answer` (right, wrong, refused) work on the state; `stop` and `npm run chaos -- reset` put every object back; a
// scenario the cluster cannot play is refused saying why; the scenario server (`serve --target k8s`) plays it over
// HTTP and its revert button puts a fault's objects back.
// No kubelet runs here, so no pod runs and no telemetry flows: the scenario runs the experiment's faults only
// (--skip-probes, as the chaos CLI's own test), still looks for its symptoms in that Prometheus, and its verdict
// must say they were not seen. What only a running lab proves is in docs/scenarios.md ("In the cluster lab").
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPIRES_ANNOTATION, FAULT_LABEL, MANAGED_BY, ORIGINAL_ANNOTATION, RUN_LABEL } from '../../chaos/src/drivers/k8s-plan';
import type { ScenarioState } from '../../chaos/src/scenarios/game';
import { freePort } from './kube/api-server';
import { CHAOS_CLI, ChaosCli, ledgerEntries, requireBuilt, SCENARIO_CLI, waitFor as waitForCondition } from './kube/chaos-cli';
import { NS, startLabCluster, type LabCluster } from './kube/lab-cluster';
import { REPO, run } from './lib';

const SKIP = 'a kube-apiserver without kubelets runs no pod, so nothing can be measured (platform/tests/scenario-k8s.test.ts)';
/** Scenario 8: the api ⟷ Kafka partition, NetworkPolicies the driver patches and creates. */
const PARTITION = '8';

let lab: LabCluster;
let prometheus: ChildProcess | undefined;
let prometheusUrl: string;

beforeAll(async () => {
  requireBuilt([SCENARIO_CLI, CHAOS_CLI, join(REPO, 'chaos', 'dist', 'scenarios', 'daemon.js')]);
  lab = await startLabCluster('scenario-k8s');
  prometheusUrl = await startPrometheus(join(lab.dir, 'prometheus'));
}, 300_000);

afterAll(async () => {
  clis.killAll();
  // A scenario process left by a failed assertion: stopped by its pid, never by name.
  const state = lab ? readState() : undefined;
  if (state?.pid && state.endedAt === undefined) {
    try {
      process.kill(state.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  prometheus?.kill('SIGTERM');
  await lab?.stop();
});

/** The lab's Prometheus as the local lab runs it (the system's, the lab's rules), scraping only itself. */
async function startPrometheus(data: string): Promise<string> {
  mkdirSync(data, { recursive: true });
  const port = await freePort();
  const rules = join(REPO, 'dashboards', 'prometheus', 'rules-lab.yml');
  writeFileSync(
    join(data, 'prometheus.yml'),
    `global: { scrape_interval: 2s, evaluation_interval: 2s }\nrule_files: [${JSON.stringify(rules)}]\nscrape_configs:\n  - job_name: prometheus\n    static_configs: [{ targets: ['127.0.0.1:${port}'] }]\n`,
  );
  const binary = run('sh', ['-c', 'command -v prometheus']).trim();
  prometheus = spawn(binary, [`--config.file=${join(data, 'prometheus.yml')}`, `--storage.tsdb.path=${join(data, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('Prometheus ready', async () => (await fetch(`${url}/-/ready`).then((r) => r.ok).catch(() => false)) || undefined, 60_000);
  // The lab's rules loaded: the alert the scenario watches exists (and is not firing).
  const rulesBody = (await (await fetch(`${url}/api/v1/rules?type=alert`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string }> }> } };
  expect(rulesBody.data.groups.flatMap((g) => g.rules.map((r) => r.name))).toContain('FleetlabPositionsStaleFastBurn');
  return url;
}

/** How many instant queries that Prometheus has answered: the scenario's verification asked it, or it did not. */
async function queriesAnswered(): Promise<number> {
  const body = (await (await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent('sum(prometheus_http_requests_total{handler="/api/v1/query"})')}`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
  return Number(body.data.result[0]?.value[1] ?? 0);
}

const snapshot = () => lab.snapshot();
const labelled = () => lab.labelled();

// ---------------------------------------------------------------------------------------------------------------------
// The real CLIs, as a trainee (or a Tilt button) runs them.

const clis = new ChaosCli(() => ({ kubeconfig: lab.server.kubeconfig, dir: lab.dir }));
const cli = (file: string, args: string[], ledger: string) => clis.done(args, ledger, file);
const scenario = (args: string[], ledger: string) => cli(SCENARIO_CLI, args, ledger);
/** The cluster's Prometheus is the test's; no Jaeger runs (scenario 8 looks for no trace). */
const k8sArgs = (): string[] => ['--target', 'k8s', '--prometheus', prometheusUrl, '--jaeger', 'http://127.0.0.1:9'];

/** Whether a process runs (a zombie waiting for its reaper has exited). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const status = existsSync(`/proc/${pid}/status`) ? readFileSync(`/proc/${pid}/status`, 'utf8') : '';
  return !/^State:\s+Z/m.test(status);
}

function readState(): ScenarioState | undefined {
  const file = join(lab.dir, 'scenario', 'play.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ScenarioState) : undefined;
}

const entries = ledgerEntries;

/** Polls until `probe` answers; on timeout, the error carries the scenario process's log. */
function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const log = join(lab.dir, 'scenario', 'play.log');
  return waitForCondition(what, probe, timeoutMs, () => (existsSync(log) ? readFileSync(log, 'utf8') : '(none yet)'), 'scenario log');
}

/** Starts scenario 8 in the cluster and waits until its partition is in place. */
async function startPartition(ledger: string): Promise<{ output: string; objects: any[] }> {
  const start = await scenario(['start', PARTITION, ...k8sArgs(), '--skip-probes', SKIP], ledger);
  expect(start.code, start.output).toBe(0);
  // The policy fault is two objects: the api's policy patched, a copy without Kafka created.
  const objects = await waitFor('the partition in the cluster', async () => {
    const o = await labelled();
    return o.length === 2 && entries(ledger).some((e) => e.state === 'active') ? o : undefined;
  });
  return { output: start.output, objects };
}

// ---------------------------------------------------------------------------------------------------------------------

describe('npm run scenario -- … --target k8s against the API server', () => {
  it('list says which scenarios the cluster lab plays; start refuses the others, saying why and where to play them', async () => {
    const ledger = join(lab.dir, 'refuse.json');
    const list = await scenario(['list', '--target', 'k8s'], ledger);
    expect(list.code, list.output).toBe(0);
    expect(list.output).toContain('the cluster lab plays 1, 2, 3, 6, 7, 8, 9, 10, 12, 13; the others in the local lab');
    expect(list.output.match(/cluster lab: plays here/g)).toHaveLength(10);
    expect(list.output).toMatch(/cluster lab: local lab only — experiment database-latency: its targets are local/);
    const show = await scenario(['show', '5', '--target', 'k8s'], ledger);
    expect(show.output).toMatch(/cluster lab: local lab only — experiment api-5xx: the Kubernetes driver can make its faults, but its expectations do not hold there/);
    expect((await scenario(['show', '8', '--target', 'k8s'], ledger)).output).toContain('start it: npm run scenario -- start 8 --target k8s');

    const before = await snapshot();
    for (const [n, why] of [['4', /method\.0 \(network\): a network latency toxic needs/], ['5', /experiment api-5xx: .*its expectations do not hold there/], ['11', /experiment api-latency: /]] as const) {
      const start = await scenario(['start', n, ...k8sArgs()], ledger);
      expect(start.code, start.output).toBe(2);
      expect(start.output).toContain(`scenario ${n} (`);
      expect(start.output).toContain('does not play in the cluster lab');
      expect(start.output).toMatch(why);
      expect(start.output).toContain(`play it in the local lab: npm run lab, then npm run scenario -- start ${n}`);
    }
    expect(entries(ledger)).toEqual([]);
    expect(await snapshot()).toEqual(before);
    const bad = await scenario(['start', '8', '--target', 'nowhere'], ledger);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('--target is local or k8s, not nowhere');
  }, 120_000);

  it('start breaks the cluster (labelled, with expiry), status shows the faults with time left, hint and answer work, stop puts everything back', async () => {
    const ledger = join(lab.dir, 'play.json');
    const before = await snapshot();
    const queriesBefore = await queriesAnswered();
    const { output, objects } = await startPartition(ledger);
    expect(output).toMatch(/scenario: cluster https:\/\/127\.0\.0\.1:\d+ \(context fleetlab-test\), namespace fleetlab; Prometheus http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain('scenario 8: A partition between the api and Kafka (hard) — started');
    expect(output).toContain('in the cluster lab');
    expect(output).toContain('service: Which service lost its link?');

    // The ledger first, owned by the scenario's process, with the cluster to find again and the plan with originals.
    const state = readState()!;
    const [entry] = entries(ledger);
    expect(entries(ledger)).toHaveLength(1);
    expect(entry).toMatchObject({ target: 'k8s', experiment: 'api-kafka-partition', state: 'active', owner: { pid: state.pid }, lab: { kubeconfig: lab.server.kubeconfig, context: 'fleetlab-test', namespace: NS } });
    expect(entry!.recordedAt).toBeLessThanOrEqual(entry!.injectedAt!);
    expect(entry!.fault.plan).toBeDefined();
    // In the cluster: both objects labelled with the run and fault, and the fault's expiry.
    for (const o of objects) {
      expect(o.metadata.labels).toMatchObject({ [MANAGED_BY]: 'fleetlab-chaos', [RUN_LABEL]: entry!.runId, [FAULT_LABEL]: entry!.fault.id });
      expect(o.metadata.annotations[EXPIRES_ANNOTATION]).toBe(new Date(entry!.fault.expiresAt).toISOString());
    }
    const api = objects.find((o) => o.metadata.name === 'api')!;
    expect(JSON.parse(api.metadata.annotations[ORIGINAL_ANNOTATION])).toEqual(JSON.parse(before['NetworkPolicy/api']!).spec);
    expect(objects.find((o) => o.metadata.name !== 'api')!.metadata.labels['app.kubernetes.io/managed-by']).toBe('fleetlab-chaos');

    // status: the scenario, its phase, the fault with its time left, where the cluster's telemetry is.
    await waitFor('the fault in the scenario state', () => (readState()?.faults.length ? true : undefined));
    const status = await scenario(['status', '--target', 'k8s'], ledger);
    expect(status.code, status.output).toBe(0);
    expect(status.output).toContain('scenario 8: A partition between the api and Kafka — broken');
    expect(status.output).toMatch(new RegExp(`faults on: network api \\(${entry!.fault.id}, (\\d+) s left\\)`));
    const left = Number(/, (\d+) s left\)/.exec(status.output)![1]);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(30);
    expect(status.output).toContain('cluster lab: context fleetlab-test, namespace fleetlab');
    expect(status.output).toContain(`Prometheus alerts: ${prometheusUrl}/alerts`);
    expect(status.output).toContain(`probes skipped: ${SKIP}`);

    // The trainee's side: hints one at a time, a wrong answer, a refused one, the right one.
    const hint = await scenario(['hint', '--target', 'k8s'], ledger);
    expect(hint.output).toContain('hint 1/3: Stored positions keep growing');
    expect((await scenario(['hint', '--target', 'k8s'], ledger)).output).toContain('hint 2/3: ');
    const wrong = await scenario(['answer', 'service=consumer', 'cause=Kafka itself', 'signal=1', '--target', 'k8s'], ledger);
    expect(wrong.code, wrong.output).toBe(1);
    expect(wrong.output).toContain('✗ service: consumer');
    expect(wrong.output).toContain('answer: 1/3 right — try again');
    const refused = await scenario(['answer', 'service=kafka', 'cause=2', 'signal=1', '--target', 'k8s'], ledger);
    expect(refused.code).toBe(2);
    expect(refused.output).toContain('answer refused: service: "kafka" is not one of the choices');
    const right = await scenario(['answer', 'service=api', "cause=the api's network link to Kafka", 'signal=1', '--target', 'k8s'], ledger);
    expect(right.code, right.output).toBe(0);
    expect(right.output).toContain('✓ service: api');
    expect(right.output).toContain('answer: right (3/3)');

    // The verification has looked at the SLIs by now (every 2 s from the break on).
    await waitFor('the first look at the symptoms', () => (readState()?.checks.some((c) => c.kind === 'sli') ? true : undefined));

    // stop: the scenario's process reverts its fault in the cluster; every object as it was, byte for byte.
    const stop = await scenario(['stop', '--target', 'k8s'], ledger);
    expect(stop.code, stop.output).toBe(0);
    expect(stop.output).toContain('— stopped');
    expect(stop.output).toContain('npm run chaos -- status --target k8s | reset --target k8s');
    expect(await snapshot()).toEqual(before);
    expect(await labelled()).toEqual([]);
    expect(entries(ledger).map((e) => [e.state, e.revertedBy])).toEqual([['reverted', 'rollback']]);
    // The verdict is honest: the answer was right, but no symptom was seen (nothing runs to show one), so not solved.
    expect(stop.output).toContain('answer: right (3/3)');
    expect(stop.output).toContain('symptoms verified in the telemetry: no');
    expect(stop.output).toMatch(/✗ sli positions reaching browsers per second \(10 s window\) \(no data/);
    expect(stop.output).not.toContain('verdict: solved');
    // …and it did ask the real Prometheus.
    expect(await queriesAnswered()).toBeGreaterThan(queriesBefore);
  }, 180_000);

  it('npm run chaos -- reset --target k8s clears a started scenario: its objects put back, its process ends', async () => {
    const ledger = join(lab.dir, 'reset.json');
    const before = await snapshot();
    await startPartition(ledger);
    const pid = readState()!.pid!;
    const reset = await cli(CHAOS_CLI, ['reset', '--target', 'k8s'], ledger);
    expect(reset.code, reset.output).toBe(0);
    expect(reset.output).toMatch(/reverted \S+ \(from the ledger\)/);
    expect(reset.output).toContain('no fault left that this tool made');
    expect(await snapshot()).toEqual(before);
    expect(await labelled()).toEqual([]);
    // The scenario sees its fault pulled by the kill switch and ends.
    const end = await waitFor('the scenario to end', () => {
      const s = readState();
      return s?.endedAt !== undefined ? s : undefined;
    });
    expect(end.phase).toBe('stopped');
    expect(end.log.map((l) => l.line).join('\n')).toContain('the chaos kill switch (npm run chaos -- reset) reverted this scenario');
    await waitFor('the scenario process to exit', () => !isRunning(pid) || undefined, 30_000);
    const status = await scenario(['status', '--target', 'k8s'], ledger);
    expect(status.output).toContain('— stopped');
    expect(status.output).toMatch(/faults on: none/);
    expect(await snapshot()).toEqual(before);
  }, 180_000);

  it("serve --target k8s: the map panel's server plays it in the cluster, and a fault's revert button puts the objects back", async () => {
    const ledger = join(lab.dir, 'serve.json');
    const before = await snapshot();
    const port = await freePort();
    const server = clis.start(['serve', '--port', String(port), ...k8sArgs(), '--skip-probes', SKIP], ledger, SCENARIO_CLI);
    const url = `http://127.0.0.1:${port}`;
    const post = (path: string, value?: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value ?? {}) });
    await waitFor('the scenario server', async () => (await fetch(`${url}/scenarios`).then((r) => r.ok).catch(() => false)) || undefined);
    expect(server.output()).toContain('playing in the cluster lab');

    const refused = await post('/start', { number: 5 });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ field: 'number', error: expect.stringMatching(/^number: scenario 5 does not play in the cluster lab: experiment api-5xx/) });
    expect(await labelled()).toEqual([]);

    expect((await post('/start', { number: 8 })).status).toBe(201);
    await waitFor('the partition in the cluster', async () => ((await labelled()).length === 2 ? true : undefined));
    const view = await waitFor('the fault in the panel', async () => {
      const v = (await (await fetch(`${url}/state`)).json()) as { faults?: Array<{ id: string; name: string; secondsLeft: number; reverted?: boolean }> };
      return v.faults?.length ? v : undefined;
    });
    expect(view.faults![0]).toMatchObject({ name: 'network api' });
    expect(view.faults![0]!.secondsLeft).toBeGreaterThan(0);
    // The revert button: the fault's objects put back from the ledger's plan, now.
    const revert = await fetch(`${url}/faults/${encodeURIComponent(view.faults![0]!.id)}`, { method: 'DELETE' });
    expect(revert.status, await revert.clone().text()).toBe(200);
    expect(await snapshot()).toEqual(before);
    expect(await labelled()).toEqual([]);
    await waitFor('the fault shown reverted', async () => {
      const v = (await (await fetch(`${url}/state`)).json()) as { faults: Array<{ reverted?: boolean; secondsLeft: number }> };
      return v.faults[0]?.reverted && v.faults[0].secondsLeft === 0 ? true : undefined;
    });
    expect((await fetch(`${url}/faults/nope`, { method: 'DELETE' })).status).toBe(404);

    const stop = await post('/stop');
    expect(stop.status).toBe(200);
    expect(((await stop.json()) as { phase: string }).phase).toBe('stopped');
    expect(await snapshot()).toEqual(before);
    expect(entries(ledger).map((e) => e.state)).toEqual(['reverted']);
    server.child.kill('SIGTERM');
    expect(await server.exit, server.output()).toBe(0);
  }, 180_000);

  it('self-check --target k8s plays the break to its end and reports every symptom as not seen', async () => {
    const ledger = join(lab.dir, 'self-check.json');
    const before = await snapshot();
    const check = await scenario(['self-check', PARTITION, ...k8sArgs(), '--skip-probes', SKIP], ledger);
    expect(check.code, check.output).toBe(1);
    expect(check.output).toMatch(/injected api ⟷ Kafka partition/);
    expect(check.output).toMatch(/reverted api ⟷ Kafka partition \(schedule\)/);
    expect(check.output).toContain('self-check of scenario 8 (08-partition): failed');
    for (const symptom of ['alert FleetlabPositionsStaleFastBurn', 'sli positions reaching browsers per second (10 s window)', 'sli positions reaching browsers late (freshness errors over 30 s)']) {
      expect(check.output).toContain(`✗ ${symptom}`);
    }
    // Not restored either: the experiment's recovery was not measured, and the verdict says why.
    expect(check.output).toMatch(/✗ recovery api-kafka-partition: steady state back, every fault reverted \(steady state, abort conditions and expectations not checked: a kube-apiserver/);
    expect(check.output).toContain('0/1 scenarios solved unattended');
    expect(entries(ledger).map((e) => [e.state, e.revertedBy])).toEqual([['reverted', 'schedule']]);
    expect(await snapshot()).toEqual(before);
    expect(await labelled()).toEqual([]);
  }, 240_000);
});
