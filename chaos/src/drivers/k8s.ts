/**
 * The Kubernetes lab's driver (`--target k8s`), with @kubernetes/client-node: pod delete by selector and blast radius,
 * a Deployment scaled to zero and back, NetworkPolicy partitions and isolation, and Istio VirtualService faults; with
 * `--chaos-mesh`, where the cluster serves chaos-mesh.org/v1alpha1, PodChaos, NetworkChaos and StressChaos objects
 * (chaos-mesh-plan.ts).
 * Every object it creates or patches carries MANAGED_BY=fleetlab-chaos, the run and fault ids and an expiry annotation;
 * a patched object also carries what it was (ORIGINAL_ANNOTATION), so `reset` restores it from the cluster alone.
 * What it changes is planned first (prepare) and the plan, with every original, goes into the ledger before any
 * change; revert applies the plan backwards and is idempotent.
 */
import type * as k8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { selectTargets } from '../blast-radius';
import type { AppliedFault } from '../ledger';
import type { FaultKind, Target } from '../schema';
import type { Driver, LabRef } from './driver';
import {
  DEFAULT_NAMESPACE, EXPIRES_ANNOTATION, FAULT_LABEL, MANAGED_BY, MANAGED_BY_VALUE, NAME_LABEL, ORIGINAL_ANNOTATION, RECOMMENDED_MANAGED_BY, RUN_LABEL, WORKLOADS,
  isolationPlan, marks, objectName, ownVirtualService, partitionPlan, podSelector, withHttpFault, workload,
  type HttpFaultParams, type NetworkPolicyObject, type NetworkPolicySpec, type VirtualServiceSpec, type Workload,
} from './k8s-plan';
import {
  CHAOS_MESH_GROUP, CHAOS_MESH_PLURALS, CHAOS_MESH_VERSION, chaosMeshKindOf, chaosMeshObject, chaosMeshUnsupported,
  type ChaosMeshKind,
} from './chaos-mesh-plan';

const ISTIO = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' } as const;
/**
 * NetworkPolicies through the generic (custom objects) API, as raw JSON: client-node's typed models rename `from`
 * and `except` (`_from`, `_except`), and a spec read with them and written back as JSON would lose its peers.
 */
const NETPOL = { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies' } as const;
const MANAGED = `${MANAGED_BY}=${MANAGED_BY_VALUE}`;
/** The api's Service, whose routes an HTTP fault goes on. */
const API_SERVICE = 'api';

export type K8sPlan =
  | { kind: 'pods'; namespace: string; pods: string[] }
  | { kind: 'scale'; namespace: string; deployments: Array<{ name: string; replicas: number }> }
  | {
      kind: 'policies';
      namespace: string;
      patch: Array<{ name: string; original: NetworkPolicySpec; spec: NetworkPolicySpec }>;
      create: Array<{ name: string; spec: NetworkPolicySpec }>;
    }
  | {
      kind: 'virtual-services';
      namespace: string;
      patch: Array<{ name: string; original: VirtualServiceSpec; spec: VirtualServiceSpec }>;
      create: Array<{ name: string; spec: VirtualServiceSpec }>;
    }
  | {
      /** Chaos Mesh objects (--chaos-mesh, where the cluster serves chaos-mesh.org/v1alpha1): created, deleted on revert. */
      kind: 'chaos-mesh';
      namespace: string;
      create: Array<{ kind: ChaosMeshKind; name: string; spec: Record<string, unknown> }>;
    };

export interface K8sLabRef {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /**
   * Express the faults Chaos Mesh does natively as Chaos Mesh objects, where the cluster serves
   * chaos-mesh.org/v1alpha1 (`--chaos-mesh`); elsewhere, and without it, the driver's own objects.
   */
  chaosMesh?: boolean;
}

interface Clients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  custom: k8s.CustomObjectsApi;
  mod: typeof k8s;
}

/** The status code of a client-node error (ApiException), if it has one. */
function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** A short message for an API error: status and the server's message rather than the whole response. */
function describe(error: unknown): string {
  const e = error as { code?: number; body?: unknown; message?: string };
  let message = e.message ?? String(error);
  if (typeof e.body === 'string') {
    try {
      message = (JSON.parse(e.body) as { message?: string }).message ?? message;
    } catch {
      // not JSON
    }
  }
  return e.code ? `${e.code} ${message}` : message;
}

export interface LabelledObject {
  kind: 'NetworkPolicy' | 'VirtualService' | 'Deployment' | ChaosMeshKind;
  namespace: string;
  name: string;
  fault?: string;
  run?: string;
  expiresAt?: string;
  /** Patched (restored on revert) rather than created (deleted on revert). */
  patched: boolean;
}

export class K8sDriver implements Driver {
  readonly target = 'k8s' as const;
  readonly namespace: string;
  private clientsPromise?: Promise<Clients>;
  private chaosMeshPromise?: Promise<Set<ChaosMeshKind>>;

  constructor(
    readonly ref: K8sLabRef,
    readonly prometheusUrl: string,
    readonly apiUrl: string,
  ) {
    this.namespace = ref.namespace ?? DEFAULT_NAMESPACE;
  }

  /** Where the ledger finds this cluster again: the kubeconfig file and context in use now, and the namespace. */
  get labRef(): LabRef {
    return { kubeconfig: this.ref.kubeconfig, context: this.ref.context, namespace: this.namespace };
  }

  /** Loads the kubeconfig (the file named, else KUBECONFIG or ~/.kube/config) and pins its context for the ledger. */
  async connect(): Promise<this> {
    const c = await this.clients();
    this.ref.context ??= c.kc.getCurrentContext();
    return this;
  }

  /** The API server's URL of the context in use. */
  async server(): Promise<string> {
    return (await this.clients()).kc.getCurrentCluster()?.server ?? '(unknown)';
  }

  private clients(): Promise<Clients> {
    this.clientsPromise ??= (async () => {
      const mod = await import('@kubernetes/client-node');
      const kc = new mod.KubeConfig();
      try {
        if (this.ref.kubeconfig) kc.loadFromFile(this.ref.kubeconfig);
        else kc.loadFromDefault();
        if (this.ref.context) kc.setCurrentContext(this.ref.context);
      } catch (error) {
        throw new Error(`cannot use the kubeconfig ${this.ref.kubeconfig ?? '(KUBECONFIG or ~/.kube/config)'}${this.ref.context ? ` context ${this.ref.context}` : ''}: ${(error as Error).message} — is the cluster lab up? (docs/kubernetes-lab.md)`);
      }
      if (!kc.getCurrentCluster()) throw new Error('no Kubernetes cluster in the kubeconfig (KUBECONFIG or ~/.kube/config): start the cluster lab (docs/kubernetes-lab.md)');
      return {
        kc,
        mod,
        core: kc.makeApiClient(mod.CoreV1Api),
        apps: kc.makeApiClient(mod.AppsV1Api),
        custom: kc.makeApiClient(mod.CustomObjectsApi),
      };
    })();
    return this.clientsPromise;
  }

  /** The Chaos Mesh kinds the cluster serves (API discovery of chaos-mesh.org/v1alpha1); empty where it is not installed. */
  chaosMeshKinds(): Promise<Set<ChaosMeshKind>> {
    this.chaosMeshPromise ??= (async () => {
      const { custom } = await this.clients();
      try {
        const list = await custom.getAPIResources({ group: CHAOS_MESH_GROUP, version: CHAOS_MESH_VERSION });
        const plurals = new Set(list.resources.map((r) => r.name));
        return new Set((Object.keys(CHAOS_MESH_PLURALS) as ChaosMeshKind[]).filter((k) => plurals.has(CHAOS_MESH_PLURALS[k])));
      } catch (error) {
        if (statusOf(error) === 404) return new Set<ChaosMeshKind>();
        throw error;
      }
    })();
    return this.chaosMeshPromise;
  }

  /** Whether this fault goes to Chaos Mesh: asked for (--chaos-mesh), served by the cluster, and natively expressible. */
  async usesChaosMesh(kind: FaultKind, params: Record<string, unknown> = {}): Promise<boolean> {
    if (!this.ref.chaosMesh) return false;
    const cmKind = chaosMeshKindOf(kind);
    if (!cmKind || chaosMeshUnsupported(kind, params)) return false;
    return (await this.chaosMeshKinds()).has(cmKind);
  }

  private async patchOptions(strategy: 'merge' | 'json'): Promise<k8s.ConfigurationOptions> {
    const { mod } = await this.clients();
    return mod.setHeaderOptions('Content-Type', strategy === 'merge' ? mod.PatchStrategy.MergePatch : mod.PatchStrategy.JsonPatch);
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Targets and plans.

  async instances(components: string[]): Promise<string[]> {
    return components;
  }

  /** Kill hits pods (by the components' selector, plus a `match` label selector), everything else whole components. */
  async select(target: Target, kind: FaultKind): Promise<string[]> {
    // With Chaos Mesh, PodChaos and StressChaos pick the pods themselves by the selector and mode (fault.target): the
    // fault names components.
    if ((kind === 'kill' || kind === 'stress') && (await this.usesChaosMesh(kind))) return target.components;
    if (kind !== 'kill') return selectTargets(target, target.components);
    const { core } = await this.clients();
    const list = await core.listNamespacedPod({ namespace: this.namespace, labelSelector: podSelector(target.components, target.mode === 'match' ? target.match : undefined) });
    const pods = list.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!).sort();
    if (target.mode === 'match') return pods;
    return selectTargets(target, pods);
  }

  /** Reads what the fault will change and returns the plan, with every original, for the ledger. Changes nothing. */
  async prepare(fault: AppliedFault): Promise<K8sPlan> {
    const ns = this.namespace;
    if (await this.usesChaosMesh(fault.kind, fault.params)) {
      // Chaos Mesh's own duration is the fault's: its controller recovers the fault even if nothing of this tool runs again.
      const object = chaosMeshObject(fault, ns, fault.expiresAt - Date.now(), objectName(fault.id, fault.kind));
      return { kind: 'chaos-mesh', namespace: ns, create: [object] };
    }
    switch (fault.kind) {
      case 'kill':
        return { kind: 'pods', namespace: ns, pods: fault.components };
      case 'outage': {
        const { apps } = await this.clients();
        const deployments = [];
        for (const component of fault.components) {
          const name = workload(component);
          const d = await apps.readNamespacedDeployment({ name, namespace: ns });
          const held = d.metadata?.annotations?.[ORIGINAL_ANNOTATION];
          if (d.metadata?.labels?.[MANAGED_BY] === MANAGED_BY_VALUE && held) {
            throw new Error(`Deployment ${ns}/${name} is already held down by chaos fault ${d.metadata.labels[FAULT_LABEL]}: revert it first (npm run chaos -- reset)`);
          }
          deployments.push({ name, replicas: d.spec?.replicas ?? 1 });
        }
        return { kind: 'scale', namespace: ns, deployments };
      }
      case 'stress':
        throw new Error(`a stress fault is Chaos Mesh's StressChaos: --chaos-mesh, in a cluster that serves chaos-mesh.org/v1alpha1 StressChaos (docs/chaos.md, "Chaos Mesh")`);
      case 'freeze':
      case 'network': {
        if (fault.kind === 'network' && (fault.params.toxic as { type?: string } | undefined)?.type !== 'partition') {
          throw new Error(`a network ${(fault.params.toxic as { type?: string } | undefined)?.type} toxic is Chaos Mesh's NetworkChaos in a cluster: --chaos-mesh, where Chaos Mesh is installed`);
        }
        const policies = await this.policies();
        const targets = await Promise.all(fault.components.map((c) => this.workload(c)));
        const plan = fault.kind === 'freeze'
          ? isolationPlan(policies, targets, fault.id)
          : partitionPlan(policies, targets, [await this.workload(String(fault.params.to))], fault.id);
        return { kind: 'policies', namespace: ns, ...plan };
      }
      case 'http': {
        const services = await this.virtualServices();
        const params = fault.params as unknown as HttpFaultParams;
        const patch = [];
        for (const vs of services) {
          const spec = withHttpFault(vs.spec, params, API_SERVICE, ns, fault.id);
          if (spec) patch.push({ name: vs.metadata.name, original: vs.spec, spec });
        }
        const create = patch.length > 0 ? [] : [{ name: objectName(fault.id, 'api'), spec: ownVirtualService(params, API_SERVICE, ns) }];
        return { kind: 'virtual-services', namespace: ns, patch, create };
      }
    }
  }

  private async workload(component: string): Promise<Workload> {
    const { apps, core } = await this.clients();
    const name = workload(component);
    const d = await apps.readNamespacedDeployment({ name, namespace: this.namespace }).catch((error: unknown) => {
      throw new Error(`no Deployment ${this.namespace}/${name} for ${component}: ${describe(error)}`);
    });
    const namespace = await core.readNamespace({ name: this.namespace });
    return {
      component,
      name: d.spec?.template.metadata?.labels?.[NAME_LABEL] ?? name,
      podLabels: d.spec?.template.metadata?.labels ?? {},
      namespace: this.namespace,
      namespaceLabels: namespace.metadata?.labels ?? {},
    };
  }

  /** The namespace's NetworkPolicies; refuses while another chaos fault has any (one policy fault at a time). */
  private async policies(): Promise<NetworkPolicyObject[]> {
    const { custom } = await this.clients();
    const list = (await custom.listNamespacedCustomObject({ ...NETPOL, namespace: this.namespace })) as { items: NetworkPolicyObject[] };
    const busy = list.items.filter((p) => p.metadata.labels?.[MANAGED_BY] === MANAGED_BY_VALUE);
    if (busy.length > 0) {
      throw new Error(`another chaos fault (${busy[0]!.metadata.labels![FAULT_LABEL]}) holds NetworkPolicies in ${this.namespace}: one NetworkPolicy fault at a time (npm run chaos -- status | reset)`);
    }
    return list.items.map((p) => ({ metadata: { name: p.metadata.name, namespace: p.metadata.namespace, labels: p.metadata.labels }, spec: p.spec }));
  }

  private async virtualServices(): Promise<Array<{ metadata: { name: string; labels?: Record<string, string> }; spec: VirtualServiceSpec }>> {
    const { custom } = await this.clients();
    let list: { items: Array<{ metadata: { name: string; labels?: Record<string, string> }; spec: VirtualServiceSpec }> };
    try {
      list = (await custom.listNamespacedCustomObject({ ...ISTIO, namespace: this.namespace })) as typeof list;
    } catch (error) {
      if (statusOf(error) === 404) throw new Error('HTTP faults in the cluster are Istio VirtualService faults, and Istio is not installed (no networking.istio.io/v1 VirtualService): tilt up without --no-mesh');
      throw error;
    }
    const busy = list.items.filter((v) => v.metadata.labels?.[MANAGED_BY] === MANAGED_BY_VALUE);
    if (busy.length > 0) {
      throw new Error(`another chaos fault (${busy[0]!.metadata.labels![FAULT_LABEL]}) holds VirtualServices in ${this.namespace}: one HTTP fault at a time (npm run chaos -- status | reset)`);
    }
    return list.items;
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Inject and revert.

  private plan(fault: AppliedFault): K8sPlan {
    if (!fault.plan) throw new Error(`fault ${fault.id} has no plan recorded: the driver prepares every fault before injecting it`);
    return fault.plan as K8sPlan;
  }

  /**
   * Patches each object of the plan (labels and expiry, its original spec in an annotation first, then the new spec)
   * and creates the new ones, labelled as the tool's own.
   */
  private async injectObjects(
    resource: typeof NETPOL | typeof ISTIO,
    kind: 'NetworkPolicy' | 'VirtualService',
    plan: { namespace: string; patch: Array<{ name: string; original: unknown; spec: unknown }>; create: Array<{ name: string; spec: unknown }> },
    m: ReturnType<typeof marks>,
  ): Promise<void> {
    const { custom } = await this.clients();
    const namespace = plan.namespace;
    for (const p of plan.patch) {
      await custom.patchNamespacedCustomObject(
        { ...resource, namespace, name: p.name, body: { metadata: { labels: m.labels, annotations: { ...m.annotations, [ORIGINAL_ANNOTATION]: JSON.stringify(p.original) } } } },
        await this.patchOptions('merge'),
      );
      await custom.patchNamespacedCustomObject({ ...resource, namespace, name: p.name, body: [{ op: 'replace', path: '/spec', value: p.spec }] }, await this.patchOptions('json'));
    }
    for (const c of plan.create) {
      await custom.createNamespacedCustomObject({
        ...resource,
        namespace,
        body: { apiVersion: `${resource.group}/${resource.version}`, kind, metadata: { name: c.name, namespace, labels: created(m.labels), annotations: m.annotations }, spec: c.spec },
      });
    }
  }

  /** Deletes what injectObjects created and puts each patched object's spec back, its marks removed; gone is done. */
  private async revertObjects(
    resource: typeof NETPOL | typeof ISTIO,
    plan: { namespace: string; patch: Array<{ name: string; original: unknown }>; create: Array<{ name: string }> },
  ): Promise<void> {
    const { custom } = await this.clients();
    const namespace = plan.namespace;
    for (const c of plan.create) await ignoreNotFound(custom.deleteNamespacedCustomObject({ ...resource, namespace, name: c.name }));
    for (const p of plan.patch) {
      await ignoreNotFound(custom.patchNamespacedCustomObject({ ...resource, namespace, name: p.name, body: [{ op: 'replace', path: '/spec', value: p.original }] }, await this.patchOptions('json')));
      await ignoreNotFound(custom.patchNamespacedCustomObject({ ...resource, namespace, name: p.name, body: unmark() }, await this.patchOptions('merge')));
    }
  }

  async inject(fault: AppliedFault): Promise<void> {
    const plan = this.plan(fault);
    const m = marks(fault.id, fault.runId ?? fault.id, fault.expiresAt);
    const { core, apps, custom } = await this.clients();
    const ns = plan.namespace;
    switch (plan.kind) {
      case 'pods':
        // As SIGKILL locally: no grace period (the ReplicaSet makes a new pod; the kubelet stops the old one at once).
        for (const name of plan.pods) await ignoreNotFound(core.deleteNamespacedPod({ name, namespace: ns, gracePeriodSeconds: 0 }));
        return;
      case 'scale':
        for (const d of plan.deployments) {
          await apps.patchNamespacedDeployment(
            { name: d.name, namespace: ns, body: { metadata: { labels: m.labels, annotations: { ...m.annotations, [ORIGINAL_ANNOTATION]: JSON.stringify({ replicas: d.replicas }) } } } },
            await this.patchOptions('merge'),
          );
          await apps.patchNamespacedDeploymentScale({ name: d.name, namespace: ns, body: { spec: { replicas: 0 } } }, await this.patchOptions('merge'));
        }
        return;
      case 'policies':
        return this.injectObjects(NETPOL, 'NetworkPolicy', plan, m);
      case 'virtual-services':
        return this.injectObjects(ISTIO, 'VirtualService', plan, m);
      case 'chaos-mesh':
        for (const c of plan.create) {
          await custom.createNamespacedCustomObject({
            group: CHAOS_MESH_GROUP,
            version: CHAOS_MESH_VERSION,
            plural: CHAOS_MESH_PLURALS[c.kind],
            namespace: ns,
            body: { apiVersion: `${CHAOS_MESH_GROUP}/${CHAOS_MESH_VERSION}`, kind: c.kind, metadata: { name: c.name, namespace: ns, labels: created(m.labels), annotations: m.annotations }, spec: c.spec },
          });
        }
        return;
    }
  }

  /** Puts back what the plan changed; whatever is already back (or gone) counts as reverted. */
  async revert(fault: AppliedFault): Promise<void> {
    const plan = this.plan(fault);
    const { apps, custom } = await this.clients();
    const ns = plan.namespace;
    switch (plan.kind) {
      case 'pods':
        return; // a deleted pod is replaced by its ReplicaSet: nothing to put back
      case 'scale':
        for (const d of plan.deployments) {
          await ignoreNotFound(apps.patchNamespacedDeploymentScale({ name: d.name, namespace: ns, body: { spec: { replicas: d.replicas } } }, await this.patchOptions('merge')));
          await ignoreNotFound(apps.patchNamespacedDeployment({ name: d.name, namespace: ns, body: unmark() }, await this.patchOptions('merge')));
        }
        return;
      case 'policies':
        return this.revertObjects(NETPOL, plan);
      case 'virtual-services':
        return this.revertObjects(ISTIO, plan);
      case 'chaos-mesh':
        // Deleting the object is how Chaos Mesh recovers a fault (its controller restores the pods, then drops its finalizer).
        for (const c of plan.create) {
          await ignoreNotFound(custom.deleteNamespacedCustomObject({ group: CHAOS_MESH_GROUP, version: CHAOS_MESH_VERSION, plural: CHAOS_MESH_PLURALS[c.kind], namespace: ns, name: c.name }));
        }
        return;
    }
  }

  // -------------------------------------------------------------------------------------------------------------------
  // By label, across namespaces: what reset and the expiry sweep act on, with or without the ledger.

  /** Every object carrying MANAGED_BY=fleetlab-chaos, in every namespace. */
  async labelled(): Promise<LabelledObject[]> {
    const { apps, custom } = await this.clients();
    const out: LabelledObject[] = [];
    const describeObject = (kind: LabelledObject['kind'], meta: k8s.V1ObjectMeta | undefined): LabelledObject => ({
      kind,
      namespace: meta?.namespace ?? '',
      name: meta?.name ?? '',
      fault: meta?.labels?.[FAULT_LABEL],
      run: meta?.labels?.[RUN_LABEL],
      expiresAt: meta?.annotations?.[EXPIRES_ANNOTATION],
      patched: meta?.annotations?.[ORIGINAL_ANNOTATION] !== undefined,
    });
    const policies = (await custom.listCustomObjectForAllNamespaces({ ...NETPOL, labelSelector: MANAGED })) as { items: Array<{ metadata: k8s.V1ObjectMeta }> };
    for (const p of policies.items) out.push(describeObject('NetworkPolicy', p.metadata));
    for (const d of (await apps.listDeploymentForAllNamespaces({ labelSelector: MANAGED })).items) out.push(describeObject('Deployment', d.metadata));
    try {
      const list = (await custom.listCustomObjectForAllNamespaces({ ...ISTIO, labelSelector: MANAGED })) as { items: Array<{ metadata: k8s.V1ObjectMeta }> };
      for (const v of list.items) out.push(describeObject('VirtualService', v.metadata));
    } catch (error) {
      if (statusOf(error) !== 404) throw error; // no Istio: no VirtualService of ours either
    }
    // Chaos Mesh objects, whether or not this command asked for Chaos Mesh: reset and the sweep find every one.
    for (const kind of await this.chaosMeshKinds()) {
      const list = (await custom.listCustomObjectForAllNamespaces({ group: CHAOS_MESH_GROUP, version: CHAOS_MESH_VERSION, plural: CHAOS_MESH_PLURALS[kind], labelSelector: MANAGED })) as { items: Array<{ metadata: k8s.V1ObjectMeta }> };
      for (const o of list.items) out.push(describeObject(kind, o.metadata));
    }
    return out;
  }

  /** Restores a patched object from its ORIGINAL annotation (and unmarks it), or deletes one the driver created. */
  async revertObject(o: LabelledObject): Promise<void> {
    const { apps, custom } = await this.clients();
    const json = await this.patchOptions('json');
    const merge = await this.patchOptions('merge');
    const original = async (read: () => Promise<{ metadata?: k8s.V1ObjectMeta } | undefined>): Promise<unknown> => {
      const current = await read();
      const text = current?.metadata?.annotations?.[ORIGINAL_ANNOTATION];
      return text === undefined ? undefined : JSON.parse(text);
    };
    switch (o.kind) {
      case 'PodChaos':
      case 'NetworkChaos':
      case 'StressChaos':
        await ignoreNotFound(custom.deleteNamespacedCustomObject({ group: CHAOS_MESH_GROUP, version: CHAOS_MESH_VERSION, plural: CHAOS_MESH_PLURALS[o.kind], namespace: o.namespace, name: o.name }));
        return;
      case 'Deployment': {
        const before = (await original(() => ignoreNotFound(apps.readNamespacedDeployment({ name: o.name, namespace: o.namespace })))) as { replicas?: number } | undefined;
        if (before?.replicas !== undefined) await ignoreNotFound(apps.patchNamespacedDeploymentScale({ name: o.name, namespace: o.namespace, body: { spec: { replicas: before.replicas } } }, merge));
        await ignoreNotFound(apps.patchNamespacedDeployment({ name: o.name, namespace: o.namespace, body: unmark() }, merge));
        return;
      }
      case 'NetworkPolicy':
      case 'VirtualService': {
        const api = o.kind === 'NetworkPolicy' ? NETPOL : ISTIO;
        if (!o.patched) {
          await ignoreNotFound(custom.deleteNamespacedCustomObject({ ...api, namespace: o.namespace, name: o.name }));
          return;
        }
        const spec = await original(() => ignoreNotFound(custom.getNamespacedCustomObject({ ...api, namespace: o.namespace, name: o.name }) as Promise<{ metadata?: k8s.V1ObjectMeta }>));
        if (spec !== undefined) await ignoreNotFound(custom.patchNamespacedCustomObject({ ...api, namespace: o.namespace, name: o.name, body: [{ op: 'replace', path: '/spec', value: spec }] }, json));
        await ignoreNotFound(custom.patchNamespacedCustomObject({ ...api, namespace: o.namespace, name: o.name, body: unmark() }, merge));
        return;
      }
    }
  }

  /** The kill switch in the cluster: every labelled object in every namespace restored or deleted. */
  async resetAll(): Promise<string[]> {
    return this.revertLabelled(() => true);
  }

  /** Objects whose expiry annotation has passed, whoever made them (a runner on another machine, a lost ledger). */
  async sweepExpired(now = Date.now()): Promise<string[]> {
    return this.revertLabelled((o) => o.expiresAt !== undefined && Date.parse(o.expiresAt) <= now);
  }

  private async revertLabelled(which: (o: LabelledObject) => boolean): Promise<string[]> {
    const done: string[] = [];
    // Created objects first (a copy of a policy goes before its original is restored), then the patched ones.
    const objects = (await this.labelled()).filter(which).sort((a, b) => Number(a.patched) - Number(b.patched));
    for (const o of objects) {
      await this.revertObject(o);
      done.push(`${o.kind} ${o.namespace}/${o.name}${o.fault ? ` (${o.fault})` : ''}`);
    }
    return done;
  }

  async ensureReady(components: string[], timeoutMs: number): Promise<void> {
    const { apps } = await this.clients();
    // A component held down by a fault of this tool is started first (as the local lab's ensure-ready does).
    for (const o of (await this.labelled()).filter((x) => x.kind === 'Deployment' && x.namespace === this.namespace)) {
      if (components.some((c) => workload(c) === o.name)) await this.revertObject(o);
    }
    const deadline = Date.now() + timeoutMs;
    for (const component of components) {
      const name = workload(component);
      for (;;) {
        const d = await apps.readNamespacedDeployment({ name, namespace: this.namespace });
        const want = d.spec?.replicas ?? 1;
        const ready = d.status?.readyReplicas ?? 0;
        if (want > 0 && ready >= want && (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)) break;
        if (Date.now() > deadline) throw new Error(`Deployment ${this.namespace}/${name}: ${ready}/${want} ready after ${timeoutMs / 1000} s (kubectl -n ${this.namespace} describe deployment ${name})`);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    }
  }

  async status(): Promise<{ server: string; namespace: string; deployments: Array<{ name: string; replicas: number; ready: number }>; objects: LabelledObject[]; chaosMesh: ChaosMeshKind[] }> {
    const { apps } = await this.clients();
    const deployments = [];
    for (const name of Object.values(WORKLOADS)) {
      const d = await ignoreNotFound(apps.readNamespacedDeployment({ name, namespace: this.namespace }));
      if (d) deployments.push({ name, replicas: d.spec?.replicas ?? 0, ready: d.status?.readyReplicas ?? 0 });
    }
    return { server: await this.server(), namespace: this.namespace, deployments, objects: await this.labelled(), chaosMesh: [...(await this.chaosMeshKinds())] };
  }
}

/** Labels of an object the driver creates: its own, and the recommended managed-by. */
function created(labels: Record<string, string>): Record<string, string> {
  return { ...labels, [RECOMMENDED_MANAGED_BY]: MANAGED_BY_VALUE };
}

/** A merge patch removing the driver's labels and annotations. */
function unmark(): { metadata: { labels: Record<string, null>; annotations: Record<string, null> } } {
  return {
    metadata: {
      labels: { [MANAGED_BY]: null, [RUN_LABEL]: null, [FAULT_LABEL]: null },
      annotations: { [EXPIRES_ANNOTATION]: null, [ORIGINAL_ANNOTATION]: null },
    },
  };
}

