// The real kube-apiserver (with etcd) takes every rendered manifest: Istio's CRDs installed from the pinned istio module,
// the namespace created for real with its Pod Security labels, then server-side apply with dryRun=All of every object
// of every combination of platform/components (zero rejections, zero warnings), and a dry-run Pod from every pod
// template (Pod Security `enforce` and the ServiceAccount admission act on Pods only). One API server for the file.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './kube/api-server';
import { applyOrThrow, Discovery, installCrds, serverSideApply, type KubeObject } from './kube/apply';
import { combinations, componentNames, ISTIO_CRDS, parseObjects, podTemplates, render, requireFile, type K8sObject } from './lib';

const FIELD_MANAGER = 'fleetlab-tests';
let server: ApiServer;
let discovery: Discovery;
let startedMs = 0;

interface Verdict {
  object: string;
  status: number;
  message: string;
  warnings: string[];
}

/** What the server said about one object: nothing (accepted cleanly), or its rejection and warnings. */
function verdict(object: string, status: number, body: { message?: string } | undefined, warnings: string[]): Verdict | undefined {
  if (status < 300 && warnings.length === 0) return undefined;
  return { object, status, message: status < 300 ? '' : (body?.message ?? JSON.stringify(body)), warnings };
}

const name = (o: K8sObject): string => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** The Pod a controller would create from a workload's template (name made up; dry-run only). */
function podFrom(template: ReturnType<typeof podTemplates>[number], namespace: string): KubeObject {
  const owner = template.owner.split('/').pop()!;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${owner}-${template.kind.toLowerCase()}-pod`, namespace, labels: template.labels },
    spec: template.spec,
  };
}

/** Applies one combination: namespaces and ServiceAccounts for real, everything else dry-run; returns every complaint. */
async function applyCombination(components: string[]): Promise<Verdict[]> {
  const objects = parseObjects(render(components)) as unknown as KubeObject[];
  // A dry-run creates nothing, so a namespaced object in a dry-run namespace is NotFound: namespaces are real. No
  // controller-manager runs here to make ServiceAccounts' tokens or `default`, so the accounts pods use are real too.
  // Applying the namespace again per combination, with the same field manager, also drops labels the previous
  // combination set and this one doesn't (istio-injection).
  for (const o of objects.filter((x) => x.kind === 'Namespace')) await applyOrThrow(server, discovery, o, FIELD_MANAGER);
  for (const o of objects.filter((x) => x.kind === 'ServiceAccount')) await applyOrThrow(server, discovery, o, FIELD_MANAGER);
  // The `default` account the controller-manager would make in every namespace (pods that name none use it).
  for (const ns of objects.filter((x) => x.kind === 'Namespace')) {
    const account = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns.metadata.name } };
    await applyOrThrow(server, discovery, account, FIELD_MANAGER);
  }
  const verdicts: Verdict[] = [];
  const rest = objects.filter((x) => x.kind !== 'Namespace' && x.kind !== 'ServiceAccount');
  // A few requests in flight at once: the server is local, the test is bounded by its CPU, not by latency.
  for (let i = 0; i < rest.length; i += 8) {
    await Promise.all(
      rest.slice(i, i + 8).map(async (o) => {
        const r = await serverSideApply(server, discovery, o, { fieldManager: FIELD_MANAGER, dryRun: true });
        const v = verdict(name(o as unknown as K8sObject), r.status, r.body, r.warnings);
        if (v) verdicts.push(v);
      }),
    );
  }
  for (const template of podTemplates(objects as unknown as K8sObject[])) {
    const namespace = template.owner.split('/')[1] || 'fleetlab';
    const pod = podFrom(template, namespace);
    const r = await server.request('POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All&fieldManager=${FIELD_MANAGER}`, pod);
    const v = verdict(`Pod from ${template.owner}`, r.status, r.body, r.warnings);
    if (v) verdicts.push(v);
  }
  return verdicts;
}

beforeAll(async () => {
  const started = Date.now();
  server = await startApiServer({ users: [{ name: 'nobody' }] });
  startedMs = Date.now() - started;
  discovery = await new Discovery(server).refresh();
  // Istio's CRDs from the istio module istioctl is built from (install-tools.sh copies them into the cache).
  const crds = parseObjects(readFileSync(requireFile(ISTIO_CRDS, "Istio's CRDs"), 'utf8')) as unknown as KubeObject[];
  await installCrds(server, discovery, crds, FIELD_MANAGER);
});

afterAll(async () => {
  await server?.stop();
});

describe('the test API server (platform/tests/kube/api-server.ts)', () => {
  it('answers client-node: creates, lists by label and deletes a ConfigMap; a kubeconfig and a token work', async () => {
    console.log(`[apiserver] etcd + kube-apiserver ready in ${startedMs} ms at ${server.url}`);
    const k8s = await import('@kubernetes/client-node');
    const kc = await server.kubeConfig();
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'harness' } } });
    const labels = { 'fleetlab.dev/test': 'harness' };
    await core.createNamespacedConfigMap({
      namespace: 'harness',
      body: { metadata: { name: 'probe', labels }, data: { hello: 'world' } },
    });
    await core.createNamespacedConfigMap({ namespace: 'harness', body: { metadata: { name: 'unlabelled' } } });
    const listed = await core.listNamespacedConfigMap({ namespace: 'harness', labelSelector: 'fleetlab.dev/test=harness' });
    expect(listed.items.map((c) => c.metadata?.name)).toEqual(['probe']);
    expect(listed.items[0]?.data).toEqual({ hello: 'world' });
    await core.deleteNamespacedConfigMap({ name: 'probe', namespace: 'harness' });
    const after = await core.listNamespacedConfigMap({ namespace: 'harness', labelSelector: 'fleetlab.dev/test=harness' });
    expect(after.items).toEqual([]);

    const version = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.37.2');
    expect(readFileSync(server.kubeconfig, 'utf8')).toContain(server.url);
  });

  it('enforces RBAC: a user without a binding is refused until a RoleBinding grants it', async () => {
    const denied = await server.request('GET', '/api/v1/namespaces/default/configmaps', undefined, undefined, 'nobody');
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/User "nobody" cannot list resource "configmaps"/);
    // A Role of its own: the aggregated ClusterRoles (view, edit) get their rules from kube-controller-manager,
    // which does not run here.
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'configmap-reader', namespace: 'default' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    };
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'nobody-reads-configmaps', namespace: 'default' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'nobody' }],
    };
    await applyOrThrow(server, discovery, role, FIELD_MANAGER);
    await applyOrThrow(server, discovery, binding, FIELD_MANAGER);
    // The authorizer sees the binding once its informer has it: a moment later.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await server.request('GET', '/api/v1/namespaces/default/configmaps', undefined, undefined, 'nobody')).status;
    }
    expect(status).toBe(200);
  });
  it('says where its logs are when the server does not become ready (and keeps them)', async () => {
    const error: Error = await startApiServer({ readyTimeoutMs: 1 }).then(
      () => new Error('started'),
      (e: Error) => e,
    );
    const logs = /logs: (\S+kube-apiserver\.log) and (\S+etcd\.log) \(kept\)/.exec(error.message);
    expect(logs, error.message).not.toBeNull();
    expect(existsSync(logs![1]!)).toBe(true);
    rmSync(dirname(logs![1]!), { recursive: true, force: true });
  });
});

describe('every rendered manifest, applied to the real API server', () => {
  it("installs Istio's CRDs: every Istio kind the manifests use is served", () => {
    const kinds = new Set<string>();
    for (const o of parseObjects(render(componentNames()))) if (o.apiVersion.includes('istio.io')) kinds.add(`${o.apiVersion}/${o.kind}`);
    expect(kinds.size).toBeGreaterThan(0);
    for (const k of kinds) {
      const [apiVersion, kind] = [k.slice(0, k.lastIndexOf('/')), k.slice(k.lastIndexOf('/') + 1)];
      expect(discovery.has(apiVersion, kind), k).toBe(true);
    }
  });

  it('accepts every object of every combination (server-side apply, dryRun=All): no rejection, no warning', async () => {
    const all = combinations(componentNames());
    const started = Date.now();
    const failures: string[] = [];
    let objects = 0;
    for (const components of all) {
      objects += parseObjects(render(components)).length;
      const verdicts = await applyCombination(components);
      for (const v of verdicts) {
        failures.push(`[base${components.map((c) => `+${c}`).join('')}] ${v.object}: ${v.status} ${v.message} ${v.warnings.map((w) => `warning: ${w}`).join('; ')}`);
      }
    }
    console.log(`[apiserver] ${all.length} combinations, ${objects} objects (plus a Pod per pod template) in ${Date.now() - started} ms`);
    expect(failures).toEqual([]);
  });

  it('the namespace is created with Pod Security restricted, enforced and warned', async () => {
    await applyCombination([]);
    const r = await server.request('GET', '/api/v1/namespaces/fleetlab');
    expect(r.body.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
  });
});

describe('negative controls: the same checks fail on what the server must refuse', () => {
  const privileged = (): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'privileged', namespace: 'fleetlab' },
    spec: { containers: [{ name: 'c', image: 'busybox:1.37', securityContext: { privileged: true } }] },
  });

  it('a privileged Pod in the fleetlab namespace is rejected by Pod Security', async () => {
    await applyCombination([]);
    const r = await serverSideApply(server, discovery, privileged(), { dryRun: true });
    const v = verdict('Pod/privileged', r.status, r.body, r.warnings);
    expect(v?.status).toBe(403);
    expect(v?.message).toMatch(/violates PodSecurity "restricted:latest": privileged/);
  });

  it('a privileged Deployment is admitted but warned about, and the warning fails the check', async () => {
    await applyCombination([]);
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'privileged', namespace: 'fleetlab' },
      spec: {
        selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'x' } }, spec: privileged().spec },
      },
    };
    const r = await serverSideApply(server, discovery, deployment, { dryRun: true });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    const v = verdict('Deployment/privileged', r.status, r.body, r.warnings);
    expect(v?.warnings.join('\n')).toMatch(/would violate PodSecurity "restricted:latest"/);
  });

  it('an unknown field and an invalid Istio resource are rejected', async () => {
    const configMap: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'typo', namespace: 'fleetlab' },
      dataa: { a: 'b' },
    };
    const typo = await serverSideApply(server, discovery, configMap, { dryRun: true });
    expect(verdict('ConfigMap/typo', typo.status, typo.body, typo.warnings)).toBeDefined();
    expect(`${typo.body?.message} ${typo.warnings.join(' ')}`).toMatch(/dataa/);

    // A VirtualService whose route has no destination: the CRD's schema (validated on dry-run too) refuses it.
    const vs: KubeObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'broken', namespace: 'fleetlab' },
      spec: { hosts: ['api'], http: [{ route: [{ weight: 100 }] }] },
    };
    const broken = await serverSideApply(server, discovery, vs, { dryRun: true });
    expect(broken.status).toBe(422);
    expect(broken.body.message).toMatch(/destination/);
  });
});

// The sidecar's containers as the pinned Istio's injection template makes them (istio module,
// manifests/charts/istio-control/istio-discovery/files/injection-template.yaml), without and with Istio CNI
// (`pilot.cni.enabled`): the reason the mesh needs CNI in a `restricted` namespace (docs/kubernetes-lab.md, "Security").
describe('Pod Security with the mesh: the injected containers fit restricted only with Istio CNI', () => {
  const image = 'docker.io/istio/proxyv2:1.29.0';
  const withoutCni = {
    name: 'istio-init',
    image,
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
      readOnlyRootFilesystem: false,
      runAsGroup: 0,
      runAsNonRoot: false,
      runAsUser: 0,
    },
  };
  const asProxy = { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1337, runAsGroup: 1337 };
  const withCni = { name: 'istio-validation', image, securityContext: asProxy };
  const proxy = { name: 'istio-proxy', image, securityContext: asProxy };

  async function injectedApi(initContainers: unknown[]): Promise<{ status: number; message: string; warnings: string[] }> {
    await applyCombination(['istio']);
    const template = podTemplates(parseObjects(render(['istio']))).find((t) => t.owner === 'Deployment/fleetlab/api')!;
    const pod = podFrom({ ...template, spec: { ...template.spec, initContainers, containers: [...template.spec.containers, proxy] } }, 'fleetlab');
    const r = await server.request('POST', '/api/v1/namespaces/fleetlab/pods?dryRun=All', pod);
    return { status: r.status, message: r.body?.message ?? '', warnings: r.warnings };
  }

  it("without CNI, istio-init's NET_ADMIN and root are refused", async () => {
    const r = await injectedApi([withoutCni]);
    console.log('[apiserver] without CNI:', r.message);
    expect(r.status).toBe(403);
    expect(r.message).toMatch(/violates PodSecurity "restricted:latest".*"NET_ADMIN", "NET_RAW"/);
  });

  it('with CNI, the injected api pod is admitted without a warning', async () => {
    expect(await injectedApi([withCni])).toEqual({ status: 201, message: '', warnings: [] });
  });
});
