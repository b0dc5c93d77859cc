// The lab as Tilt applies it with the mesh, on a test API server of its own, for the chaos and scenario test files:
// a real kube-apiserver with etcd, Istio's CRDs, the rendered manifests (base + data + istio) applied server-side, and
// a folder for the file's ledgers, reports and experiments. No controller runs here, so what a controller would make
// (the namespace's default ServiceAccount, a Deployment's pods) the harness makes itself.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANAGED_BY } from '../../../chaos/src/drivers/k8s-plan';
import { startApiServer, type ApiServer } from './api-server';
import { applyOrThrow, Discovery, installCrds, type KubeObject } from './apply';
import { ISTIO_CRDS, parseObjects, podTemplates, render, requireFile, type K8sObject } from '../lib';

/** The lab's namespace. */
export const NS = 'fleetlab';
/** The field manager of everything the tests apply. */
export const FM = 'fleetlab-tests';

export interface LabCluster {
  server: ApiServer;
  discovery: Discovery;
  /** The rendered objects, as applied. */
  objects: KubeObject[];
  /** The test file's folder, removed by stop(). */
  dir: string;
  /** GET as the admin; throws on any status but 200. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get(path: string): Promise<any>;
  /** Pods as the Deployment's ReplicaSet would make them (its template, its labels plus `extraLabels`); their names. */
  makePods(deployment: string, count: number, extraLabels?: (i: number) => Record<string, string>): Promise<string[]>;
  /**
   * What the chaos driver may change in the namespace, as the server serializes it, keyed `Kind/name`: spec, labels
   * and annotations of every NetworkPolicy and VirtualService; replicas, labels and annotations of every Deployment.
   */
  snapshot(): Promise<Record<string, string>>;
  /** Everything the chaos tool labelled as its own, in every namespace (NetworkPolicies, VirtualServices, Deployments), with its kind. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  labelled(): Promise<any[]>;
  /** Stops the API server and removes the folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts the API server and applies the lab; `name` names the folder (fleetlab-<name>-…). */
export async function startLabCluster(name: string): Promise<LabCluster> {
  const dir = mkdtempSync(join(tmpdir(), `fleetlab-${name}-`));
  let server: ApiServer | undefined;
  try {
    server = await startApiServer();
    const discovery = await new Discovery(server).refresh();
    await installCrds(server, discovery, parseObjects(readFileSync(requireFile(ISTIO_CRDS, "Istio's CRDs"), 'utf8')) as unknown as KubeObject[], FM);
    // The lab as Tilt applies it with the mesh: the chaos driver's selectors must find the real objects.
    const objects = parseObjects(render(['data', 'istio'])) as unknown as KubeObject[];
    const order = (o: KubeObject) => (o.kind === 'Namespace' ? 0 : o.kind === 'ServiceAccount' ? 1 : 2);
    for (const o of [...objects].sort((a, b) => order(a) - order(b))) await applyOrThrow(server, discovery, o, FM);
    await applyOrThrow(server, discovery, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS } }, FM);
    return cluster(server, discovery, objects, dir);
  } catch (error) {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function cluster(server: ApiServer, discovery: Discovery, objects: KubeObject[], dir: string): LabCluster {
  const get: LabCluster['get'] = async (path) => {
    const r = await server.request('GET', path);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body?.message}`);
    return r.body;
  };
  // What the chaos driver patches or creates: kind, group version, plural. List items carry no kind: each list says it.
  const kinds = [
    ['NetworkPolicy', '/apis/networking.k8s.io/v1', 'networkpolicies'],
    ['VirtualService', '/apis/networking.istio.io/v1', 'virtualservices'],
    ['Deployment', '/apis/apps/v1', 'deployments'],
  ] as const;
  const list = async (kind: string, path: string) =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    ((await get(path)).items as any[]).map((o) => ({ ...o, kind }));
  return {
    server,
    discovery,
    objects,
    dir,
    get,
    async snapshot() {
      const out: Record<string, string> = {};
      for (const [kind, group, plural] of kinds) {
        for (const o of await list(kind, `${group}/namespaces/${NS}/${plural}`)) {
          const { labels, annotations } = o.metadata;
          out[`${kind}/${o.metadata.name}`] = JSON.stringify(kind === 'Deployment' ? { replicas: o.spec.replicas, labels, annotations } : { spec: o.spec, labels, annotations });
        }
      }
      return out;
    },
    async labelled() {
      const selector = `labelSelector=${encodeURIComponent(`${MANAGED_BY}=fleetlab-chaos`)}`;
      const found = [];
      for (const [kind, group, plural] of kinds) found.push(...(await list(kind, `${group}/${plural}?${selector}`)));
      return found;
    },
    async makePods(deployment, count, extraLabels = () => ({})) {
      const template = podTemplates(objects as unknown as K8sObject[]).find((t) => t.owner === `Deployment/${NS}/${deployment}`);
      if (!template) throw new Error(`no Deployment ${deployment} in the rendered manifests`);
      const names: string[] = [];
      for (let i = 0; i < count; i++) {
        const name = `${deployment}-test-${Math.random().toString(36).slice(2, 7)}`;
        const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { ...template.labels, ...extraLabels(i) } }, spec: template.spec };
        const r = await server.request('POST', `/api/v1/namespaces/${NS}/pods`, pod);
        if (r.status !== 201) throw new Error(`pod ${name}: ${r.status} ${r.body?.message}`);
        names.push(name);
      }
      return names;
    },
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
