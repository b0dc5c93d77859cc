// The chaos tool's Kubernetes driver against a real kube-apiserver (with etcd, Istio's CRDs and the lab's own
// manifests applied for real: base + data + istio): pods deleted by selector per blast-radius mode; every object it
// makes or patches labelled with the run and fault and carrying its expiry; everything put back on time, on SIGINT and
// SIGTERM to a running CLI, by `reset` (from the ledger and, without it, by label), after a SIGKILLed runner by the
// next command, and by the expiry sweep; patched VirtualServices and NetworkPolicies restored byte for byte.
// No kubelet or controller-manager runs here: pods are objects, a Deployment's replicas are a number, policies and
// VirtualServices are stored and validated but enforced by nobody. What needs a real cluster is in docs/chaos.md.
// Probes: the CLI runs with --skip-probes and the reason below (nothing runs, so there is nothing to measure).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { K8sDriver, type K8sPlan } from '../../chaos/src/drivers/k8s';
import { EXPIRES_ANNOTATION, FAULT_LABEL, MANAGED_BY, ORIGINAL_ANNOTATION, RUN_LABEL } from '../../chaos/src/drivers/k8s-plan';
import type { AppliedFault, LedgerEntry } from '../../chaos/src/ledger';
import { ChaosCli, ledgerEntries, requireBuilt, waitFor, writeExperiment, type Cli } from './kube/chaos-cli';
import { applyOrThrow } from './kube/apply';
import { FM, NS, startLabCluster, type LabCluster } from './kube/lab-cluster';

const SKIP = 'a kube-apiserver without kubelets runs no pod, so nothing can be measured (platform/tests/chaos-k8s.test.ts)';

let lab: LabCluster;

beforeAll(async () => {
  requireBuilt();
  lab = await startLabCluster('chaos-k8s');
  await lab.makePods('consumer', 4);
  for (const name of ['api', 'simulator', 'kafka', 'mongodb']) await lab.makePods(name, 1);
}, 300_000);

afterAll(async () => {
  chaos.killAll();
  await lab?.stop();
});

const makePods: LabCluster['makePods'] = (...args) => lab.makePods(...args);
const get: LabCluster['get'] = (path) => lab.get(path);
const snapshot = () => lab.snapshot();
/** Everything labelled by the chaos tool, in every namespace, as `Kind/name`. */
const labelled = async (): Promise<string[]> => (await lab.labelled()).map((o) => `${o.kind}/${o.metadata.name}`).sort();

const policies = async (): Promise<any[]> => (await get(`/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies`)).items;
const virtualServices = async (): Promise<any[]> => (await get(`/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices`)).items;
const deployment = async (name: string): Promise<any> => get(`/apis/apps/v1/namespaces/${NS}/deployments/${name}`);
const podNames = async (selector: string): Promise<string[]> =>
  (await get(`/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector)}`)).items.map((p: any) => p.metadata.name).sort();

// ---------------------------------------------------------------------------------------------------------------------
// The real CLI, as a developer (or a Tilt button) runs it.

const chaos = new ChaosCli(() => ({ kubeconfig: lab.server.kubeconfig, dir: lab.dir }));
const cli = (args: string[], ledger: string): Cli => chaos.start(args, ledger);
const cliDone = (args: string[], ledger: string) => chaos.done(args, ledger);
const entries = ledgerEntries;
const experiment = (name: string, body: string): string => writeExperiment(lab.dir, name, body);

/** Every fault the cluster driver makes at once (one NetworkPolicy fault and one HTTP fault at a time). */
const ALL_FAULTS = (duration: string) => `
title: every cluster fault at once
hypothesis: each is made, labelled with its run and expiry, and put back exactly
targets: [k8s]
method:
  - fault: network
    target: { components: [api] }
    to: kafka
    toxic: { type: partition }
  - fault: outage
    target: { components: [database] }
  - fault: http
    target: { components: [api] }
    abortStatus: 503
    percent: 30
    header: { name: x-chaos, exact: "on" }
  - fault: kill
    target: { components: [consumer], mode: one }
duration: ${duration}
`;

/** The other NetworkPolicy fault (freeze = isolation) and an HTTP delay on every request. */
const FREEZE = (duration: string) => `
title: frozen simulator and a slow api
hypothesis: isolation and a delay are made and put back exactly
targets: [k8s]
method:
  - fault: freeze
    target: { components: [simulator] }
  - fault: http
    target: { components: [api] }
    delayMs: 400
    percent: 50
duration: ${duration}
`;

/** Runs until every fault is active in the ledger; returns the run and its entries. */
async function startRun(file: string, ledger: string, faults: number): Promise<{ run: Cli; entries: LedgerEntry[] }> {
  const run = cli(['run', file, '--target', 'k8s', '--skip-probes', SKIP], ledger);
  const active = await waitFor(
    `${faults} faults active`,
    () => {
      const e = entries(ledger).filter((x) => x.state === 'active');
      return e.length === faults ? e : undefined;
    },
    90_000,
    run.output,
  );
  return { run, entries: active };
}

// ---------------------------------------------------------------------------------------------------------------------

describe('pods deleted by selector, per blast-radius mode', () => {
  const driver = () => new K8sDriver({ kubeconfig: lab.server.kubeconfig, namespace: NS }, '', '');

  async function kill(target: Parameters<K8sDriver['select']>[0]): Promise<{ selected: string[]; before: string[]; after: string[] }> {
    const d = driver();
    const before = await podNames('app.kubernetes.io/name=consumer');
    const selected = await d.select(target, 'kill');
    const fault: AppliedFault = { id: `kill-${target.mode}`, kind: 'kill', components: selected, params: {}, expiresAt: Date.now() + 60_000 };
    fault.plan = await d.prepare(fault);
    await d.inject(fault);
    await d.revert(fault); // nothing to put back: the ReplicaSet makes new pods
    return { selected, before, after: await podNames('app.kubernetes.io/name=consumer') };
  }

  it('one: a single consumer pod, the others untouched; no other workload touched', async () => {
    const others = await podNames('app.kubernetes.io/name!=consumer');
    const { selected, before, after } = await kill({ components: ['consumer'], mode: 'one' });
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(selected).toHaveLength(1);
    expect(after).toEqual(before.filter((p) => !selected.includes(p)));
    expect(await podNames('app.kubernetes.io/name!=consumer')).toEqual(others);
  });

  it('percent: ceil(50 % of 4) = 2 of the consumer pods', async () => {
    const have = (await podNames('app.kubernetes.io/name=consumer')).length;
    await makePods('consumer', 4 - have);
    const { selected, before, after } = await kill({ components: ['consumer'], mode: 'percent', percent: 50 });
    expect(before).toHaveLength(4);
    expect(selected).toHaveLength(2);
    expect(after).toEqual(before.filter((p) => !selected.includes(p)));
  });

  it('match: the pods the label selector adds (chaos-test/group=b) and only those', async () => {
    const groupB = await makePods('consumer', 3, (i) => ({ 'chaos-test/group': i === 0 ? 'a' : 'b' }));
    const { selected, before, after } = await kill({ components: ['consumer'], mode: 'match', match: 'chaos-test/group=b' });
    expect(selected).toEqual(groupB.slice(1).sort());
    expect(after).toEqual(before.filter((p) => !selected.includes(p)));
  });

  it('all: every consumer pod, and no api pod', async () => {
    const api = await podNames('app.kubernetes.io/name=api');
    const { selected, after } = await kill({ components: ['consumer'], mode: 'all' });
    expect(selected.length).toBeGreaterThan(0);
    expect(after).toEqual([]);
    expect(await podNames('app.kubernetes.io/name=api')).toEqual(api);
    await makePods('consumer', 2);
  });
});

describe('the CLI against the API server (node chaos/dist/cli.js … --target k8s)', () => {
  it('makes every fault labelled with its run, fault and expiry, records originals first, and puts all back on time', async () => {
    const ledger = join(lab.dir, 'on-time.json');
    const before = await snapshot();
    const consumers = await podNames('app.kubernetes.io/name=consumer');
    const { run, entries: active } = await startRun(experiment('on-time', ALL_FAULTS('8s')), ledger, 4);

    // The ledger has every fault with its deadline and the plan with the originals, recorded before injection.
    for (const e of active) {
      expect(e.target).toBe('k8s');
      expect(e.lab).toMatchObject({ kubeconfig: lab.server.kubeconfig, context: 'fleetlab-test', namespace: NS });
      expect(e.recordedAt).toBeLessThanOrEqual(e.injectedAt!);
      expect(e.fault.expiresAt).toBeGreaterThan(e.injectedAt!);
      expect(e.fault.plan).toBeDefined();
    }
    const byKind = Object.fromEntries(active.map((e) => [e.fault.kind, e])) as Record<string, LedgerEntry>;
    const partition = byKind.network!.fault.plan as Extract<K8sPlan, { kind: 'policies' }>;
    // The api's own policy allows Kafka: it stops selecting the api, and a copy without Kafka selects it instead.
    expect(partition.patch.map((p) => p.name)).toEqual(['api']);
    expect(partition.patch[0]!.original).toEqual(JSON.parse(before['NetworkPolicy/api']!).spec);
    expect((byKind.outage!.fault.plan as Extract<K8sPlan, { kind: 'scale' }>).deployments).toEqual([{ name: 'mongodb', replicas: 1 }]);
    const http = byKind.http!.fault.plan as Extract<K8sPlan, { kind: 'virtual-services' }>;
    expect(http.patch.map((v) => v.name).sort()).toEqual(['api', 'fleetlab']);

    // In the cluster: labels, expiry, originals on the patched objects.
    const runId = active[0]!.runId;
    const expiry = (id: string) => new Date(active.find((e) => e.fault.id === id)!.fault.expiresAt).toISOString();
    const pols = await policies();
    const created = pols.filter((p) => p.metadata.labels?.['app.kubernetes.io/managed-by'] === 'fleetlab-chaos');
    expect(created).toHaveLength(1);
    const copy = created[0]!;
    expect(copy.metadata.labels).toMatchObject({ [MANAGED_BY]: 'fleetlab-chaos', [RUN_LABEL]: runId, [FAULT_LABEL]: byKind.network!.fault.id });
    expect(copy.metadata.annotations[EXPIRES_ANNOTATION]).toBe(expiry(byKind.network!.fault.id));
    expect(copy.spec.podSelector.matchExpressions).toEqual([{ key: 'app.kubernetes.io/name', operator: 'In', values: ['api'] }]);
    // The copy's egress still reaches MongoDB and Jaeger, but no peer of it can be Kafka.
    for (const rule of copy.spec.egress) {
      for (const peer of rule.to) expect(peer.podSelector.matchExpressions).toContainEqual({ key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['kafka'] });
    }
    const api = pols.find((p) => p.metadata.name === 'api')!;
    expect(api.metadata.labels[MANAGED_BY]).toBe('fleetlab-chaos');
    expect(JSON.parse(api.metadata.annotations[ORIGINAL_ANNOTATION])).toEqual(JSON.parse(before['NetworkPolicy/api']!).spec);
    expect(api.spec.podSelector.matchExpressions).toEqual([{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['api'] }]);

    const mongodb = await deployment('mongodb');
    expect(mongodb.spec.replicas).toBe(0);
    expect(mongodb.metadata.labels).toMatchObject({ [MANAGED_BY]: 'fleetlab-chaos', [FAULT_LABEL]: byKind.outage!.fault.id });
    expect(mongodb.metadata.annotations[EXPIRES_ANNOTATION]).toBe(expiry(byKind.outage!.fault.id));
    // Tilt's own managed-by label (app.kubernetes.io/managed-by) is not the tool's to change on a patched object.
    expect(mongodb.metadata.labels['app.kubernetes.io/managed-by']).toBeUndefined();

    const vss = await virtualServices();
    const gateway = vss.find((v) => v.metadata.name === 'fleetlab')!;
    // With a header match, the fault is a copy of each api route placed before it, matching only that header.
    const faulted = gateway.spec.http.filter((r: any) => r.fault);
    expect(faulted.map((r: any) => r.name)).toEqual([expect.stringMatching(/^socket-io-chaos-/), expect.stringMatching(/^api-chaos-/)]);
    for (const r of faulted) {
      expect(r.fault).toEqual({ abort: { percentage: { value: 30 }, httpStatus: 503 } });
      for (const m of r.match) expect(m.headers).toEqual({ 'x-chaos': { exact: 'on' } });
    }
    expect(gateway.spec.http.at(-1).name).toBe('web');
    expect(gateway.spec.http.at(-1).fault).toBeUndefined();
    expect(gateway.metadata.annotations[EXPIRES_ANNOTATION]).toBe(expiry(byKind.http!.fault.id));

    // The killed consumer pod is gone.
    expect(byKind.kill!.fault.components).toHaveLength(1);
    expect(await podNames('app.kubernetes.io/name=consumer')).toEqual(consumers.filter((p) => p !== byKind.kill!.fault.components[0]));

    // On time: the run reverts everything at its deadline and ends 0 (faults injected and reverted; nothing measured).
    const code = await run.exit;
    expect(code, run.output()).toBe(0);
    expect(run.output()).toContain(`probes skipped: ${SKIP}`);
    expect(run.output()).toMatch(/hypothesis not-tested; expectations not-tested/);
    const done = entries(ledger);
    expect(done.map((e) => e.state)).toEqual(['reverted', 'reverted', 'reverted', 'reverted']);
    for (const e of done) {
      expect(e.revertedBy).toBe('schedule');
      expect(e.revertedAt!).toBeGreaterThanOrEqual(e.fault.expiresAt);
    }
    // Exactly as before, byte for byte as the server serializes them.
    expect(await snapshot()).toEqual(before);
    expect(await labelled()).toEqual([]);
    await makePods('consumer', 1);
  }, 180_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`on ${signal} to the running CLI, reverts every fault at once (freeze = isolation, HTTP delay) and exits 2`, async () => {
      const ledger = join(lab.dir, `${signal}.json`);
      const before = await snapshot();
      const { run } = await startRun(experiment(`abort-${signal}`, FREEZE('5m')), ledger, 2);
      // Isolation: every policy that selected the simulator stops doing so; one allowing nothing selects it.
      const pols = await policies();
      const isolate = pols.find((p) => p.metadata.name.endsWith('-isolate-simulator'))!;
      expect(isolate.spec).toEqual({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'simulator' } }, policyTypes: ['Ingress', 'Egress'] });
      expect(pols.filter((p) => p.metadata.annotations?.[ORIGINAL_ANNOTATION]).map((p) => p.metadata.name).sort()).toEqual(
        ['default-deny', 'dns', 'metrics-from-prometheus', 'simulator', 'to-istiod'],
      );
      const vs = (await virtualServices()).find((v) => v.metadata.name === 'api')!;
      for (const r of vs.spec.http) expect(r.fault).toEqual({ delay: { percentage: { value: 50 }, fixedDelay: '400ms' } });
      expect(await labelled()).not.toEqual([]);

      const started = Date.now();
      run.child.kill(signal);
      const code = await run.exit;
      expect(code, run.output()).toBe(2);
      expect(run.output()).toMatch(/interrupted: reverting everything/);
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(entries(ledger).map((e) => [e.state, e.revertedBy])).toEqual([['reverted', 'rollback'], ['reverted', 'rollback']]);
      expect(await snapshot()).toEqual(before);
      expect(await labelled()).toEqual([]);
    }, 180_000);
  }

  it('a runner that loses its terminal (output pipe closed) carries on and reverts on time', async () => {
    const ledger = join(lab.dir, 'no-terminal.json');
    const before = await snapshot();
    const { run } = await startRun(experiment('no-terminal', FREEZE('6s')), ledger, 2);
    // As when Tilt stops or an ssh session drops: every later write gets EPIPE.
    run.child.stdout!.destroy();
    run.child.stderr!.destroy();
    const started = Date.now();
    expect(await run.exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(entries(ledger).map((e) => [e.state, e.revertedBy])).toEqual([['reverted', 'schedule'], ['reverted', 'schedule']]);
    expect(await snapshot()).toEqual(before);
    expect(await labelled()).toEqual([]);
  }, 180_000);

  it('after a SIGKILLed runner, the next command (status) reverts its faults from the ledger', async () => {
    const ledger = join(lab.dir, 'sigkill.json');
    const before = await snapshot();
    const { run } = await startRun(experiment('sigkill', ALL_FAULTS('5m')), ledger, 4);
    run.child.kill('SIGKILL');
    await run.exit;
    // Left behind: nothing of the runner reverted them.
    expect(await labelled()).not.toEqual([]);
    expect(entries(ledger).every((e) => e.state === 'active')).toBe(true);

    const status = await cliDone(['status', '--target', 'k8s'], ledger);
    expect(status.code, status.output).toBe(0);
    expect(status.output.match(/reverted \S+, left behind by a runner that is gone/g)).toHaveLength(4);
    expect(entries(ledger).map((e) => e.revertedBy)).toEqual(['recovery', 'recovery', 'recovery', 'recovery']);
    expect(await snapshot()).toEqual(before);
    expect(await labelled()).toEqual([]);
    expect(status.output).toContain('objects of this tool: none');
    await makePods('consumer', 1);
  }, 180_000);

  it('reset is the kill switch: with the ledger gone, it restores and deletes by label (originals from the objects)', async () => {
    const ledger = join(lab.dir, 'reset.json');
    const before = await snapshot();
    const { run } = await startRun(experiment('reset', ALL_FAULTS('5m')), ledger, 4);
    run.child.kill('SIGKILL');
    await run.exit;
    rmSync(ledger);
    const reset = await cliDone(['reset', '--target', 'k8s'], ledger);
    expect(reset.code, reset.output).toBe(0);
    // The partition's copy, the three patched policies and VirtualServices, and mongodb's Deployment.
    expect(reset.output).toMatch(/cluster \S+#fleetlab-test: 5 object\(s\) restored or deleted/);
    expect(reset.output).toContain('no fault left that this tool made');
    expect(await snapshot()).toEqual(before);
    expect(await labelled()).toEqual([]);
    await makePods('consumer', 1);
  }, 180_000);

  it('a run past its expiry is swept by the next command without a ledger; reset during a run reverts from the ledger', async () => {
    const ledger = join(lab.dir, 'expiry.json');
    const before = await snapshot();
    const { run } = await startRun(experiment('expiry', FREEZE('6s')), ledger, 2);
    run.child.kill('SIGKILL');
    await run.exit;
    rmSync(ledger);
    // No ledger at all now: only the objects' expiry annotations say these faults are over.
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    const status = await cliDone(['status', '--target', 'k8s'], ledger);
    expect(status.code, status.output).toBe(0);
    // Five policies that selected the simulator, the isolating one, and both VirtualServices.
    expect(status.output.match(/reverted .*: past its expiry/g), status.output).toHaveLength(8);
    expect(await snapshot()).toEqual(before);

    // The kill switch pressed while a run is going: its faults are reverted from the ledger at once, and the
    // runner's own rollback afterwards finds nothing left to do.
    const second = await startRun(experiment('reset-ledger', FREEZE('5m')), ledger, 2);
    const reset = await cliDone(['reset'], ledger);
    expect(reset.code, reset.output).toBe(0);
    expect(reset.output.match(/reverted \S+ \(from the ledger\)/g), reset.output).toHaveLength(2);
    expect(reset.output).toMatch(/cluster \S+#fleetlab-test: 0 object\(s\) restored or deleted/);
    expect(await snapshot()).toEqual(before);
    expect(await labelled()).toEqual([]);
    expect(entries(ledger).map((e) => e.revertedBy)).toEqual(['reset', 'reset']);
    second.run.child.kill('SIGINT');
    expect(await second.run.exit, second.run.output()).toBe(2);
    expect(await snapshot()).toEqual(before);
  }, 180_000);

  it('runs a shipped experiment (api-kafka-partition) and refuses those the cluster cannot run, saying why', async () => {
    const ledger = join(lab.dir, 'shipped.json');
    const before = await snapshot();
    const run = await cliDone(['run', 'api-kafka-partition', '--target', 'k8s', '--skip-probes', SKIP], ledger);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/injected api ⟷ Kafka partition/);
    expect(run.output).toMatch(/reverted api ⟷ Kafka partition \(schedule\)/);
    expect(await snapshot()).toEqual(before);

    const latency = await cliDone(['run', 'database-latency', '--target', 'k8s'], ledger);
    expect(latency.code).toBe(2);
    expect(latency.output).toMatch(/its targets are local/);
    expect(latency.output).toMatch(/method\.0 \(network\): a network latency toxic needs .*Chaos Mesh/);
    const unknown = await cliDone(['run', 'api-crash', '--target', 'nowhere'], ledger);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('--target is local or k8s, not nowhere');
  }, 180_000);
});

describe('the driver where the api has no VirtualService', () => {
  it('creates a VirtualService of its own (labelled, with expiry) and deletes it on revert', async () => {
    const ns = 'mesh-without-routes';
    await applyOrThrow(lab.server, lab.discovery, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, FM);
    const d = new K8sDriver({ kubeconfig: lab.server.kubeconfig, namespace: ns }, '', '');
    const fault: AppliedFault = { id: 'own-vs-0', runId: 'own-vs', kind: 'http', components: ['api'], params: { abortStatus: 500, percent: 10, pathPrefix: '/trips' }, expiresAt: Date.now() + 60_000 };
    fault.plan = await d.prepare(fault);
    await d.inject(fault);
    const list = (await get(`/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices`)).items;
    expect(list).toHaveLength(1);
    expect(list[0].metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'fleetlab-chaos', [MANAGED_BY]: 'fleetlab-chaos', [RUN_LABEL]: 'own-vs', [FAULT_LABEL]: 'own-vs-0' });
    expect(list[0].metadata.annotations[EXPIRES_ANNOTATION]).toBe(new Date(fault.expiresAt).toISOString());
    expect(list[0].spec).toEqual({
      hosts: [`api.${ns}.svc.cluster.local`],
      gateways: ['mesh'],
      http: [
        { name: expect.stringMatching(/^api-chaos-/), match: [{ uri: { prefix: '/trips' } }], fault: { abort: { percentage: { value: 10 }, httpStatus: 500 } }, route: [{ destination: { host: `api.${ns}.svc.cluster.local` } }] },
        { name: 'api', route: [{ destination: { host: `api.${ns}.svc.cluster.local` } }] },
      ],
    });
    await d.revert(fault);
    await d.revert(fault); // idempotent
    expect((await get(`/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices`)).items).toEqual([]);
  });

  it('refuses a partition where no NetworkPolicy isolates either end (nothing to take away)', async () => {
    const ns = 'no-policies';
    await applyOrThrow(lab.server, lab.discovery, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, FM);
    for (const o of lab.objects.filter((x) => x.kind === 'Deployment' && ['api', 'kafka'].includes(x.metadata.name))) {
      await applyOrThrow(lab.server, lab.discovery, { ...o, metadata: { ...o.metadata, namespace: ns } }, FM);
    }
    const d = new K8sDriver({ kubeconfig: lab.server.kubeconfig, namespace: ns }, '', '');
    const fault: AppliedFault = { id: 'p-0', kind: 'network', components: ['api'], params: { to: 'kafka', toxic: { type: 'partition' } }, expiresAt: Date.now() + 60_000 };
    await expect(d.prepare(fault)).rejects.toThrow(/no NetworkPolicy isolates api \(egress\) or kafka \(ingress\)/);
  });
});
