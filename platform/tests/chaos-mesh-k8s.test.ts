// The chaos tool's Kubernetes driver with Chaos Mesh (`--chaos-mesh`) against a real kube-apiserver with etcd,
// Istio's CRDs, the lab's manifests (base + data + istio) and Chaos Mesh's own CRDs (manifests/crd.yaml of its Go
// module, installed by `npm run tools`): kill, freeze, outage and network faults become PodChaos and NetworkChaos
// objects that the API server validates against Chaos Mesh's OpenAPI schemas, labelled with the run and fault, with
// the expiry annotation and Chaos Mesh's `duration`; deleted on time, on SIGINT, by `reset` without the ledger
// (across namespaces) and by the next command once expired. First, with the CRDs absent, `--chaos-mesh` leaves the
// driver on its own objects. No Chaos Mesh controller, kubelet or controller-manager runs here: the objects are
// accepted and stored, and nothing acts on them (docs/chaos.md, "Chaos Mesh").
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { K8sDriver, type K8sPlan } from '../../chaos/src/drivers/k8s';
import { EXPIRES_ANNOTATION, FAULT_LABEL, MANAGED_BY, RUN_LABEL } from '../../chaos/src/drivers/k8s-plan';
import type { AppliedFault, LedgerEntry } from '../../chaos/src/ledger';
import { ChaosCli, ledgerEntries, requireBuilt, waitFor as waitForCondition, writeExperiment, type Cli } from './kube/chaos-cli';
import { applyOrThrow, installCrds, type KubeObject } from './kube/apply';
import { FM, NS, startLabCluster, type LabCluster } from './kube/lab-cluster';
import { CHAOS_MESH_CRDS, REPO, parseObjects, requireFile } from './lib';

const SKIP = 'a kube-apiserver without kubelets or Chaos Mesh runs no pod, so nothing can be measured (platform/tests/chaos-mesh-k8s.test.ts)';
const CM = '/apis/chaos-mesh.org/v1alpha1';

let lab: LabCluster;

beforeAll(async () => {
  requireBuilt();
  requireFile(CHAOS_MESH_CRDS, "Chaos Mesh's CRDs");
  lab = await startLabCluster('chaos-mesh');
  for (const name of ['consumer', 'api', 'simulator', 'kafka', 'mongodb']) await lab.makePods(name, 2);
}, 300_000);

afterAll(async () => {
  chaos.killAll();
  await lab?.stop();
});

const get: LabCluster['get'] = (path) => lab.get(path);

const MANAGED = `labelSelector=${encodeURIComponent(`${MANAGED_BY}=fleetlab-chaos`)}`;
/** Chaos Mesh objects of the tool, in every namespace: `Kind/namespace/name` → the object. */
async function chaosMeshObjects(): Promise<Map<string, any>> {
  const out = new Map<string, any>();
  for (const [kind, plural] of [['PodChaos', 'podchaos'], ['NetworkChaos', 'networkchaos'], ['StressChaos', 'stresschaos']]) {
    for (const o of (await get(`${CM}/${plural}?${MANAGED}`)).items) out.set(`${kind}/${o.metadata.namespace}/${o.metadata.name}`, o);
  }
  return out;
}

/** What the driver's own path would change (policies, VirtualServices, replicas, pods): with Chaos Mesh, nothing of it. */
async function snapshot(): Promise<string> {
  const policies = (await get(`/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies`)).items.map((p: any) => [p.metadata.name, p.spec, p.metadata.labels]);
  const vss = (await get(`/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices`)).items.map((v: any) => [v.metadata.name, v.spec, v.metadata.labels]);
  const deployments = (await get(`/apis/apps/v1/namespaces/${NS}/deployments`)).items.map((d: any) => [d.metadata.name, d.spec.replicas, d.metadata.labels]);
  const pods = (await get(`/api/v1/namespaces/${NS}/pods`)).items.map((p: any) => p.metadata.name).sort();
  return JSON.stringify({ policies, vss, deployments, pods });
}

const chaos = new ChaosCli(() => ({ kubeconfig: lab.server.kubeconfig, dir: lab.dir }));
const cli = (args: string[], ledger: string): Cli => chaos.start(args, ledger);
const cliDone = (args: string[], ledger: string) => chaos.done(args, ledger);
const entries = ledgerEntries;
const experiment = (name: string, body: string): string => writeExperiment(lab.dir, name, body);
const waitFor = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000, output?: () => string): Promise<T> =>
  waitForCondition(what, probe, timeoutMs, output);

/** Every fault Chaos Mesh does natively, and an HTTP fault that stays with Istio. */
const MESH_FAULTS = (duration: string) => `
title: every Chaos Mesh fault at once
hypothesis: each is a Chaos Mesh object the API server accepts, labelled, with expiry and duration, and deleted after
targets: [k8s]
method:
  - fault: kill
    target: { components: [consumer], mode: percent, percent: 50 }
  - fault: freeze
    target: { components: [simulator] }
  - fault: outage
    target: { components: [database] }
  - fault: network
    target: { components: [api] }
    to: database
    toxic: { type: latency, latencyMs: 200, jitterMs: 20 }
    direction: upstream
  - fault: network
    target: { components: [api] }
    to: kafka
    toxic: { type: partition }
  - fault: http
    target: { components: [api] }
    abortStatus: 503
    percent: 30
  - fault: stress
    target: { components: [consumer], mode: one }
    cpu: { workers: 2, load: 80 }
    memory: { workers: 1, size: 256MB }
duration: ${duration}
`;

/** A latency toxic: the cluster runs it only with Chaos Mesh. */
const LATENCY = (duration: string) => `
title: slow database
hypothesis: a NetworkChaos delay
targets: [k8s]
method:
  - fault: network
    target: { components: [api] }
    to: database
    toxic: { type: latency, latencyMs: 150 }
  - fault: kill
    target: { components: [kafka], mode: match, match: "app.kubernetes.io/part-of=fleetlab" }
duration: ${duration}
`;

const STRESS = `
title: busy api
hypothesis: a StressChaos or nothing
targets: [k8s]
method:
  - fault: stress
    target: { components: [api] }
    cpu: { workers: 1 }
duration: 5s
`;

async function startRun(file: string, ledger: string, faults: number): Promise<{ run: Cli; entries: LedgerEntry[] }> {
  const run = cli(['run', file, '--target', 'k8s', '--chaos-mesh', '--skip-probes', SKIP], ledger);
  const active = await waitFor(`${faults} faults active`, () => {
    const e = entries(ledger).filter((x) => x.state === 'active');
    return e.length === faults ? e : undefined;
  }, 90_000, run.output);
  return { run, entries: active };
}

// ---------------------------------------------------------------------------------------------------------------------

describe('without Chaos Mesh CRDs, --chaos-mesh leaves the driver on its own objects', () => {
  it('discovery finds no chaos-mesh.org/v1alpha1: pods are picked and deleted by the driver, an outage scales to zero', async () => {
    const d = new K8sDriver({ kubeconfig: lab.server.kubeconfig, namespace: NS, chaosMesh: true }, '', '');
    expect([...(await d.chaosMeshKinds())]).toEqual([]);
    expect(await d.usesChaosMesh('kill')).toBe(false);
    const pods = await d.select({ components: ['consumer'], mode: 'one' }, 'kill');
    expect(pods).toHaveLength(1);
    expect(pods[0]).toMatch(/^consumer-test-/);
    const outage: AppliedFault = { id: 'no-cm-0', runId: 'no-cm', kind: 'outage', components: ['database'], params: {}, expiresAt: Date.now() + 60_000 };
    expect(((await d.prepare(outage)) as K8sPlan).kind).toBe('scale');
    const network: AppliedFault = { id: 'no-cm-1', runId: 'no-cm', kind: 'network', components: ['api'], params: { to: 'kafka', toxic: { type: 'partition' } }, expiresAt: Date.now() + 60_000 };
    expect(((await d.prepare(network)) as K8sPlan).kind).toBe('policies');
    // reset and status look for Chaos Mesh objects only where the cluster serves them.
    expect((await d.labelled()).filter((o) => o.kind === 'PodChaos' || o.kind === 'NetworkChaos')).toEqual([]);
    expect((await d.status()).chaosMesh).toEqual([]);
  });

  it('the CLI says Chaos Mesh is not installed and refuses a latency toxic, as without the flag', async () => {
    const r = await cliDone(['run', experiment('latency-absent', LATENCY('5s')), '--target', 'k8s', '--chaos-mesh', '--skip-probes', SKIP], join(lab.dir, 'absent.json'));
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('the cluster does not serve chaos-mesh.org/v1alpha1');
    expect(r.output).toMatch(/method\.0 \(network\): a network latency toxic needs/);
    const stress = await cliDone(['run', experiment('stress-absent', STRESS), '--target', 'k8s', '--chaos-mesh', '--skip-probes', SKIP], join(lab.dir, 'absent.json'));
    expect(stress.code, stress.output).toBe(2);
    expect(stress.output).toMatch(/method\.0 \(stress\): a stress fault is Chaos Mesh's StressChaos/);
  });
});

describe('with Chaos Mesh CRDs (chaos-mesh.org/v1alpha1, from Chaos Mesh\'s module)', () => {
  beforeAll(async () => {
    // The file `tilt up -- --chaos-mesh` applies server-side (its path from the same script), every CRD in it.
    const file = execFileSync('bash', [join(REPO, 'platform', 'chaos-mesh', 'crds.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    expect(file).toBe(CHAOS_MESH_CRDS);
    const crds = parseObjects(readFileSync(file, 'utf8')) as unknown as KubeObject[];
    expect(crds.map((o) => o.metadata.name)).toEqual(expect.arrayContaining(['podchaos.chaos-mesh.org', 'networkchaos.chaos-mesh.org', 'stresschaos.chaos-mesh.org']));
    expect(crds.every((o) => o.kind === 'CustomResourceDefinition' && o.metadata.name.endsWith('.chaos-mesh.org'))).toBe(true);
    await installCrds(lab.server, lab.discovery, crds, FM);
    // Established is not yet servable: a new resource answers 429 "storage is (re)initializing" until its watch cache
    // is up (longer on a loaded machine). The driver lists these three.
    for (const plural of ['podchaos', 'networkchaos', 'stresschaos']) {
      await waitFor(`${plural} servable`, async () => ((await lab.server.request('GET', `${CM}/${plural}`)).status === 200 ? true : undefined), 120_000);
    }
  }, 300_000);

  it("the API server checks objects against Chaos Mesh's schema (negative control: an unknown action, a bad latency)", async () => {
    const bad = await lab.server.request('POST', `${CM}/namespaces/${NS}/podchaos`, {
      apiVersion: 'chaos-mesh.org/v1alpha1', kind: 'PodChaos', metadata: { name: 'bad' }, spec: { action: 'pod-explode', mode: 'all', selector: { namespaces: [NS] } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toMatch(/spec\.action: Unsupported value: "pod-explode"/);
    const latency = await lab.server.request('POST', `${CM}/namespaces/${NS}/networkchaos`, {
      apiVersion: 'chaos-mesh.org/v1alpha1', kind: 'NetworkChaos', metadata: { name: 'bad' }, spec: { action: 'delay', mode: 'all', selector: { namespaces: [NS] }, delay: { latency: '200 ms' } },
    });
    expect(latency.status).toBe(422);
    expect(latency.body.message).toMatch(/spec\.delay\.latency/);
  });

  it('makes every fault a Chaos Mesh object (labels, expiry, duration, the right spec), leaves the rest alone, and deletes them on time', async () => {
    const ledger = join(lab.dir, 'on-time.json');
    const before = await snapshot();
    const { run, entries: active } = await startRun(experiment('on-time', MESH_FAULTS('10s')), ledger, 7);
    expect(run.output()).toMatch(/Chaos Mesh serves PodChaos, NetworkChaos, StressChaos/);
    const byIndex = (i: number) => active.find((e) => e.fault.id.endsWith(`-${i}`))!;
    for (const e of active) {
      expect(e.recordedAt).toBeLessThanOrEqual(e.injectedAt!);
      expect((e.fault.plan as K8sPlan).kind).toBe(e.fault.kind === 'http' ? 'virtual-services' : 'chaos-mesh');
    }
    // The kill names the component: Chaos Mesh picks the pods by selector and mode.
    expect(byIndex(0).fault.components).toEqual(['consumer']);

    const found = await chaosMeshObjects();
    expect([...found.keys()].map((k) => k.split('/').slice(0, 2).join('/')).sort()).toEqual(
      ['NetworkChaos/fleetlab', 'NetworkChaos/fleetlab', 'PodChaos/fleetlab', 'PodChaos/fleetlab', 'PodChaos/fleetlab', 'StressChaos/fleetlab'],
    );
    const spec = (i: number) => {
      const fault = byIndex(i).fault;
      const o = [...found.values()].find((x) => x.metadata.labels[FAULT_LABEL] === fault.id);
      expect(o, fault.id).toBeDefined();
      expect(o.metadata.labels).toMatchObject({ [MANAGED_BY]: 'fleetlab-chaos', 'app.kubernetes.io/managed-by': 'fleetlab-chaos', [RUN_LABEL]: byIndex(i).runId });
      expect(o.metadata.annotations[EXPIRES_ANNOTATION]).toBe(new Date(fault.expiresAt).toISOString());
      return o.spec;
    };
    const byName = (name: string) => ({ namespaces: [NS], labelSelectors: { 'app.kubernetes.io/name': name } });
    expect(spec(0)).toEqual({ action: 'pod-kill', mode: 'fixed-percent', value: '50', selector: byName('consumer'), gracePeriod: 0, duration: '10s' });
    expect(spec(1)).toEqual({ action: 'pod-failure', mode: 'all', selector: byName('simulator'), duration: '10s' });
    expect(spec(2)).toEqual({ action: 'pod-failure', mode: 'all', selector: byName('mongodb'), duration: '10s' });
    expect(spec(3)).toEqual({
      action: 'delay', mode: 'all', selector: byName('api'), direction: 'to', target: { mode: 'all', selector: byName('mongodb') },
      delay: { latency: '200ms', jitter: '20ms' }, duration: '10s',
    });
    expect(spec(4)).toEqual({ action: 'partition', mode: 'all', selector: byName('api'), direction: 'both', target: { mode: 'all', selector: byName('kafka') }, duration: '10s' });
    // oomScoreAdj: 0 is the CRD schema's default, filled in by the API server.
    expect(spec(6)).toEqual({ mode: 'one', selector: byName('consumer'), stressors: { cpu: { workers: 2, load: 80 }, memory: { workers: 1, size: '256MB', oomScoreAdj: 0 } }, duration: '10s' });
    expect(byIndex(6).fault.components).toEqual(['consumer']);
    // Nothing of the driver's own path: no pod deleted, no replica scaled, no policy rewritten; HTTP stays Istio's.
    const now = JSON.parse(await snapshot());
    const was = JSON.parse(before);
    expect(now.pods).toEqual(was.pods);
    expect(now.deployments).toEqual(was.deployments);
    expect(now.policies).toEqual(was.policies);
    expect(now.vss).not.toEqual(was.vss);

    const code = await run.exit;
    expect(code, run.output()).toBe(0);
    expect(entries(ledger).map((e) => [e.state, e.revertedBy])).toEqual(Array(7).fill(['reverted', 'schedule']));
    expect(await chaosMeshObjects()).toEqual(new Map());
    expect(await snapshot()).toEqual(before);
  }, 180_000);

  it('on SIGINT to the running CLI, deletes its Chaos Mesh objects at once and exits 2', async () => {
    const ledger = join(lab.dir, 'sigint.json');
    const { run } = await startRun(experiment('sigint', LATENCY('5m')), ledger, 2);
    const found = [...(await chaosMeshObjects()).values()];
    expect(found.map((o) => `${o.kind} ${o.spec.action}`).sort()).toEqual(['NetworkChaos delay', 'PodChaos pod-kill']);
    // A `match` selects by labels with Chaos Mesh's own selectors, mode all.
    expect(found.find((o) => o.kind === 'PodChaos').spec).toMatchObject({
      mode: 'all', selector: { labelSelectors: { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/part-of': 'fleetlab' } }, duration: '300s',
    });
    run.child.kill('SIGINT');
    expect(await run.exit, run.output()).toBe(2);
    expect(entries(ledger).map((e) => [e.state, e.revertedBy])).toEqual([['reverted', 'rollback'], ['reverted', 'rollback']]);
    expect(await chaosMeshObjects()).toEqual(new Map());
  }, 180_000);

  it('after a SIGKILLed runner, the next command (status) deletes them from the ledger', async () => {
    const ledger = join(lab.dir, 'sigkill.json');
    const { run } = await startRun(experiment('sigkill', LATENCY('5m')), ledger, 2);
    run.child.kill('SIGKILL');
    await run.exit;
    expect((await chaosMeshObjects()).size).toBe(2);
    const status = await cliDone(['status', '--target', 'k8s'], ledger);
    expect(status.code, status.output).toBe(0);
    expect(status.output.match(/reverted \S+, left behind by a runner that is gone/g), status.output).toHaveLength(2);
    expect(entries(ledger).map((e) => e.revertedBy)).toEqual(['recovery', 'recovery']);
    expect(await chaosMeshObjects()).toEqual(new Map());
    expect(status.output).toContain('objects of this tool: none');
  }, 180_000);

  it('reset without the ledger deletes them by label in every namespace', async () => {
    const ledger = join(lab.dir, 'reset.json');
    // One in another namespace, as a run with --namespace would leave it.
    const other = 'elsewhere';
    await applyOrThrow(lab.server, lab.discovery, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: other } }, FM);
    const d = new K8sDriver({ kubeconfig: lab.server.kubeconfig, namespace: other, chaosMesh: true }, '', '');
    const fault: AppliedFault = { id: 'other-0', runId: 'other', kind: 'freeze', components: ['consumer'], params: {}, expiresAt: Date.now() + 300_000 };
    fault.plan = await d.prepare(fault);
    await d.inject(fault);
    const { run } = await startRun(experiment('reset', LATENCY('5m')), ledger, 2);
    run.child.kill('SIGKILL');
    await run.exit;
    rmSync(ledger);
    expect([...(await chaosMeshObjects()).keys()].map((k) => k.split('/')[1]).sort()).toEqual([other, NS, NS]);
    const reset = await cliDone(['reset', '--target', 'k8s'], ledger);
    expect(reset.code, reset.output).toBe(0);
    expect(reset.output).toMatch(/cluster \S+#fleetlab-test: 3 object\(s\) restored or deleted/);
    expect(reset.output).toMatch(/PodChaos elsewhere\/fleetlab-chaos-\S+ \(other-0\)/);
    expect(await chaosMeshObjects()).toEqual(new Map());
  }, 180_000);

  it('a run past its expiry is swept by the next command (status) without a ledger', async () => {
    const ledger = join(lab.dir, 'expiry.json');
    const { run } = await startRun(experiment('expiry', LATENCY('5s')), ledger, 2);
    run.child.kill('SIGKILL');
    await run.exit;
    rmSync(ledger);
    const status = await cliDone(['status', '--target', 'k8s'], ledger);
    // Not yet expired: listed, left alone.
    expect(status.output.match(/(PodChaos|NetworkChaos) fleetlab\/\S+ created by/g), status.output).toHaveLength(2);
    expect(await chaosMeshObjects()).not.toEqual(new Map());
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const later = await cliDone(['status', '--target', 'k8s'], ledger);
    expect(later.code, later.output).toBe(0);
    expect(later.output.match(/reverted (PodChaos|NetworkChaos) \S+ .*: past its expiry/g), later.output).toHaveLength(2);
    expect(later.output).toContain('objects of this tool: none');
    expect(later.output).toContain('Chaos Mesh: serves PodChaos, NetworkChaos, StressChaos (run … --chaos-mesh uses it)');
    expect(await chaosMeshObjects()).toEqual(new Map());
  }, 180_000);

  it('without --chaos-mesh, the driver keeps its own path even where Chaos Mesh is installed', async () => {
    const d = new K8sDriver({ kubeconfig: lab.server.kubeconfig, namespace: NS }, '', '');
    expect([...(await d.chaosMeshKinds())].sort()).toEqual(['NetworkChaos', 'PodChaos', 'StressChaos']);
    expect(await d.usesChaosMesh('outage')).toBe(false);
    const outage: AppliedFault = { id: 'own-0', runId: 'own', kind: 'outage', components: ['database'], params: {}, expiresAt: Date.now() + 60_000 };
    expect(((await d.prepare(outage)) as K8sPlan).kind).toBe('scale');
  });
});
