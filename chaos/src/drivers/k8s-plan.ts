/**
 * How the Kubernetes driver turns a fault into changes of objects, as pure functions over plain objects (no client):
 * which workload a component is, which NetworkPolicies to split so a flow is cut, what an Istio VirtualService looks
 * like with a fault in its api routes, and the labels and annotations every object it touches carries. The driver
 * (k8s.ts) reads the cluster, asks these for a plan, records the plan in the ledger, then applies it.
 */
import { createHash } from 'node:crypto';
import type { Experiment, FaultSpec } from '../schema';
import { chaosMeshUnsupported, type ChaosMeshKind } from './chaos-mesh-plan';

/**
 * On every object the driver creates or patches: `reset` finds them by this, across namespaces. Not
 * app.kubernetes.io/managed-by, which Tilt sets on everything it applies (and which a patch must leave alone);
 * objects the driver creates carry that one too (RECOMMENDED_MANAGED_BY).
 */
export const MANAGED_BY = 'chaos.fleetlab.dev/managed-by';
export const MANAGED_BY_VALUE = 'fleetlab-chaos';
export const RECOMMENDED_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const RUN_LABEL = 'chaos.fleetlab.dev/run';
export const FAULT_LABEL = 'chaos.fleetlab.dev/fault';
/** When the fault must be gone (ISO 8601); `npm run chaos` reverts objects past it whoever made them. */
export const EXPIRES_ANNOTATION = 'chaos.fleetlab.dev/expires-at';
/** On a patched object: what it was before (JSON: the spec, or the replicas), so reset restores it without the ledger. */
export const ORIGINAL_ANNOTATION = 'chaos.fleetlab.dev/original';

export const DEFAULT_NAMESPACE = 'fleetlab';
/** The label every fleetlab workload's pods carry, and the only one the lab's selectors use. */
export const NAME_LABEL = 'app.kubernetes.io/name';

/** Component → Deployment (and its pods' app.kubernetes.io/name) in the cluster lab (platform/base, components/data). */
export const WORKLOADS: Record<string, string> = { api: 'api', simulator: 'simulator', consumer: 'consumer', kafka: 'kafka', database: 'mongodb' };

export function workload(component: string): string {
  const name = WORKLOADS[component];
  if (!name) throw new Error(`no workload for component ${component} (known: ${Object.keys(WORKLOADS).join(', ')})`);
  return name;
}

/** `app.kubernetes.io/name in (a,b)`, plus a blast radius `match` selector when given. */
export function podSelector(components: string[], match?: string): string {
  const names = [...new Set(components.map(workload))].sort();
  const base = names.length === 1 ? `${NAME_LABEL}=${names[0]}` : `${NAME_LABEL} in (${names.join(',')})`;
  return match ? `${base},${match}` : base;
}

/** A label value (≤ 63 characters, alphanumeric at both ends) for a run or fault id. */
export function labelValue(id: string): string {
  const clean = id.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (clean.length <= 63) return clean;
  return `${clean.slice(0, 54).replace(/[^A-Za-z0-9]+$/, '')}-${shortHash(id)}`;
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** The name of an object the driver creates for a fault (DNS-1123, short, unique per fault). */
export function objectName(faultId: string, suffix: string): string {
  return `fleetlab-chaos-${shortHash(faultId)}-${suffix}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63).replace(/-+$/, '');
}

export interface Marks {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function marks(faultId: string, runId: string, expiresAt: number): Marks {
  return {
    labels: { [MANAGED_BY]: MANAGED_BY_VALUE, [RUN_LABEL]: labelValue(runId), [FAULT_LABEL]: labelValue(faultId) },
    annotations: { [EXPIRES_ANNOTATION]: new Date(expiresAt).toISOString() },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Label selectors (metav1.LabelSelector), evaluated as the API server does.

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** An empty selector selects everything; a missing one (undefined) nothing, as for a peer's podSelector it means "all". */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const r of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const value = labels[r.key];
    switch (r.operator) {
      case 'In':
        if (!has || !(r.values ?? []).includes(value!)) return false;
        break;
      case 'NotIn':
        if (has && (r.values ?? []).includes(value!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

function withExpression(selector: LabelSelector | undefined, requirement: LabelSelectorRequirement): LabelSelector {
  return { ...(selector ?? {}), matchExpressions: [...(selector?.matchExpressions ?? []), requirement] };
}

// ---------------------------------------------------------------------------------------------------------------------
// NetworkPolicies: a partition or an isolation, as NetworkPolicy allows it.
//
// NetworkPolicies only ever add allowed flows: a new policy cannot take one away. So a fault rewrites the policies
// that allow the flow, without touching other pods they select: each such policy is patched to stop selecting the
// faulted workload's pods (`app.kubernetes.io/name NotIn [x]`), and a copy of it selecting only those pods is created
// with the cut peers narrowed out (`NotIn [y]`). Reverting restores the patched policies' specs and deletes the copies.

export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
export interface PolicyRule {
  ports?: unknown[];
  to?: PolicyPeer[];
  from?: PolicyPeer[];
}
export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: Array<'Ingress' | 'Egress'>;
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}
export interface NetworkPolicyObject {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: NetworkPolicySpec;
}

/** A workload as the policies see it: its pods' labels (the Deployment's template) and its namespace's labels. */
export interface Workload {
  component: string;
  name: string;
  podLabels: Record<string, string>;
  namespace: string;
  namespaceLabels: Record<string, string>;
}

export interface PolicyPlan {
  /** Existing policies to patch: the original spec (kept in the ledger and on the object) and the new one. */
  patch: Array<{ name: string; original: NetworkPolicySpec; spec: NetworkPolicySpec }>;
  /** Policies to create, selecting only the faulted pods. */
  create: Array<{ name: string; spec: NetworkPolicySpec }>;
}

function policyTypes(spec: NetworkPolicySpec): Array<'Ingress' | 'Egress'> {
  // As the API server defaults them: Ingress always, Egress when there are egress rules.
  return spec.policyTypes ?? (spec.egress && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress']);
}

/** Whether a rule's peer lets `other` in or out (pods of `other`, for a policy in `policyNamespace`). */
function peerMatches(peer: PolicyPeer, other: Workload, policyNamespace: string): boolean {
  if (peer.ipBlock) return false; // pod peers only: an ipBlock over pod IPs is left to the CNI (docs/chaos.md)
  const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, other.namespaceLabels) : other.namespace === policyNamespace;
  return nsOk && selects(peer.podSelector ?? {}, other.podLabels);
}

function ruleAllows(rule: PolicyRule, side: 'to' | 'from', other: Workload, policyNamespace: string): boolean {
  const peers = rule[side];
  if (!peers || peers.length === 0) return true;
  return peers.some((p) => peerMatches(p, other, policyNamespace));
}

/** The rule with every pod peer narrowed so it no longer matches the named workloads. */
function narrowRule(rule: PolicyRule, side: 'to' | 'from', names: string[]): PolicyRule {
  const not: LabelSelectorRequirement = { key: NAME_LABEL, operator: 'NotIn', values: [...names].sort() };
  const peers = rule[side];
  // No peers: every destination. Every pod but those, in every namespace (addresses outside the cluster are lost
  // while the fault is on, which no fleetlab workload needs).
  const narrowed = !peers || peers.length === 0
    ? [{ namespaceSelector: {}, podSelector: { matchExpressions: [not] } }]
    : peers.map((p) => (p.ipBlock ? p : { ...p, podSelector: withExpression(p.podSelector ?? {}, not) }));
  return { ...rule, [side]: narrowed };
}

interface Cut {
  /** The workload whose pods the rewritten copy selects. */
  at: Workload;
  side: 'egress' | 'ingress';
  /** The peers to cut out of it. */
  peers: Workload[];
}

/**
 * Cuts every flow between `a` and `b` (both ways). A direction is cut where the policies allow it: at the sender's
 * egress when the sender is egress-isolated, else at the receiver's ingress; if neither end is isolated, nothing
 * denies anything and the partition cannot be made with NetworkPolicies (an error).
 */
export function partitionPlan(policies: NetworkPolicyObject[], a: Workload[], b: Workload[], faultId: string): PolicyPlan {
  const cuts: Cut[] = [];
  for (const [from, to] of [[a, b], [b, a]] as const) {
    for (const sender of from) {
      for (const receiver of to) {
        const egressIsolated = policies.some((p) => isolates(p, sender, 'Egress'));
        const ingressIsolated = policies.some((p) => isolates(p, receiver, 'Ingress'));
        if (egressIsolated) cuts.push({ at: sender, side: 'egress', peers: [receiver] });
        else if (ingressIsolated) cuts.push({ at: receiver, side: 'ingress', peers: [sender] });
        else throw new Error(`no NetworkPolicy isolates ${sender.name} (egress) or ${receiver.name} (ingress) in ${sender.namespace}: nothing to take away, so no partition (the lab's default-deny policy is missing?)`);
      }
    }
  }
  return applyCuts(policies, cuts, faultId);
}

function isolates(p: NetworkPolicyObject, w: Workload, type: 'Ingress' | 'Egress'): boolean {
  return (p.metadata.namespace ?? w.namespace) === w.namespace && policyTypes(p.spec).includes(type) && selects(p.spec.podSelector, w.podLabels);
}

function applyCuts(policies: NetworkPolicyObject[], cuts: Cut[], faultId: string): PolicyPlan {
  const plan: PolicyPlan = { patch: [], create: [] };
  for (const policy of policies) {
    // Per workload this policy selects: which peers to cut from its egress and its ingress.
    const affected = new Map<string, { at: Workload; egress: Set<string>; ingress: Set<string> }>();
    for (const cut of cuts) {
      if (!isolates(policy, cut.at, cut.side === 'egress' ? 'Egress' : 'Ingress')) continue;
      const rules = (cut.side === 'egress' ? policy.spec.egress : policy.spec.ingress) ?? [];
      const side = cut.side === 'egress' ? 'to' : 'from';
      const hit = cut.peers.filter((peer) => rules.some((r) => ruleAllows(r, side, peer, policy.metadata.namespace ?? cut.at.namespace)));
      if (hit.length === 0) continue;
      const entry = affected.get(cut.at.name) ?? { at: cut.at, egress: new Set<string>(), ingress: new Set<string>() };
      for (const peer of hit) entry[cut.side].add(peer.name);
      affected.set(cut.at.name, entry);
    }
    if (affected.size === 0) continue;
    const names = [...affected.keys()].sort();
    plan.patch.push({
      name: policy.metadata.name,
      original: policy.spec,
      spec: { ...policy.spec, podSelector: withExpression(policy.spec.podSelector, { key: NAME_LABEL, operator: 'NotIn', values: names }) },
    });
    for (const name of names) {
      const { egress, ingress } = affected.get(name)!;
      plan.create.push({
        name: objectName(faultId, `${policy.metadata.name}-${name}`),
        spec: {
          ...policy.spec,
          podSelector: withExpression(policy.spec.podSelector, { key: NAME_LABEL, operator: 'In', values: [name] }),
          ...(policy.spec.ingress ? { ingress: policy.spec.ingress.map((r) => (ingress.size > 0 ? narrowRule(r, 'from', [...ingress]) : r)) } : {}),
          ...(policy.spec.egress ? { egress: policy.spec.egress.map((r) => (egress.size > 0 ? narrowRule(r, 'to', [...egress]) : r)) } : {}),
          policyTypes: policyTypes(policy.spec),
        },
      });
    }
  }
  return plan;
}

/**
 * Isolates workloads entirely (the cluster's "freeze"): every policy selecting them stops doing so, and one policy
 * selecting them allows nothing in or out. The pods keep running and stay Ready (the kubelet's probes are not
 * NetworkPolicy traffic on the common CNIs), but nobody reaches them and they reach nobody: Prometheus' scrape
 * fails (up == 0) and they publish nothing, as a SIGSTOPped process in the local lab.
 */
export function isolationPlan(policies: NetworkPolicyObject[], targets: Workload[], faultId: string): PolicyPlan {
  const plan: PolicyPlan = { patch: [], create: [] };
  for (const policy of policies) {
    const hit = targets.filter((w) => (policy.metadata.namespace ?? w.namespace) === w.namespace && selects(policy.spec.podSelector, w.podLabels));
    if (hit.length === 0) continue;
    plan.patch.push({
      name: policy.metadata.name,
      original: policy.spec,
      spec: { ...policy.spec, podSelector: withExpression(policy.spec.podSelector, { key: NAME_LABEL, operator: 'NotIn', values: hit.map((w) => w.name).sort() }) },
    });
  }
  for (const w of targets) {
    plan.create.push({
      name: objectName(faultId, `isolate-${w.name}`),
      spec: { podSelector: { matchLabels: { [NAME_LABEL]: w.name } }, policyTypes: ['Ingress', 'Egress'] },
    });
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------------------------------
// Istio VirtualServices: HTTP delay and abort on the routes to the api.

export interface HttpFaultParams {
  delayMs?: number;
  abortStatus?: number;
  percent: number;
  pathPrefix?: string;
  header?: { name: string; exact: string };
}

export interface HttpRoute {
  name?: string;
  match?: Array<Record<string, unknown> & { uri?: { exact?: string; prefix?: string; regex?: string }; headers?: Record<string, unknown> }>;
  route?: Array<{ destination?: { host?: string; port?: { number?: number } } }>;
  fault?: unknown;
  [key: string]: unknown;
}
export interface VirtualServiceSpec {
  hosts?: string[];
  gateways?: string[];
  http?: HttpRoute[];
  [key: string]: unknown;
}

/** Istio's HTTPFaultInjection for the params (percentages as Istio's Percent, delay as a duration). */
export function istioFault(params: HttpFaultParams): Record<string, unknown> {
  const percentage = { value: params.percent };
  return {
    ...(params.delayMs !== undefined ? { delay: { percentage, fixedDelay: `${params.delayMs}ms` } } : {}),
    ...(params.abortStatus !== undefined ? { abort: { percentage, httpStatus: params.abortStatus } } : {}),
  };
}

/** Whether a route's destination is the api Service (`api`, `api.<ns>`, `api.<ns>.svc…`). */
export function routesTo(route: HttpRoute, service: string, namespace: string): boolean {
  return (route.route ?? []).some((r) => {
    const host = r.destination?.host ?? '';
    return host === service || host === `${service}.${namespace}` || host.startsWith(`${service}.${namespace}.svc`);
  });
}

/** A route's matches narrowed to the fault's path prefix and header; undefined when none of them can match both. */
function narrowMatches(route: HttpRoute, params: HttpFaultParams): HttpRoute['match'] | undefined {
  const base = route.match && route.match.length > 0 ? route.match : [{}];
  const out: NonNullable<HttpRoute['match']> = [];
  for (const m of base) {
    let next = { ...m };
    if (params.pathPrefix !== undefined) {
      const uri = m.uri;
      if (!uri) next.uri = { prefix: params.pathPrefix };
      else if (uri.prefix !== undefined && params.pathPrefix.startsWith(uri.prefix)) next.uri = { prefix: params.pathPrefix };
      else if (uri.prefix !== undefined && uri.prefix.startsWith(params.pathPrefix)) next.uri = uri;
      else if (uri.exact !== undefined && uri.exact.startsWith(params.pathPrefix)) next.uri = uri;
      else continue; // a regex, or a path the prefix cannot meet: this match never sees the fault
    }
    if (params.header) next = { ...next, headers: { ...(m.headers ?? {}), [params.header.name]: { exact: params.header.exact } } };
    out.push(next);
  }
  return out.length > 0 ? out : undefined;
}

/**
 * The VirtualService's spec with the fault on every HTTP route to the api: set on the route itself when the fault
 * applies to all its requests, or, with a path prefix or header, as a copy of the route placed just before it that
 * matches only those requests. Returns undefined when no route reaches the api.
 */
export function withHttpFault(spec: VirtualServiceSpec, params: HttpFaultParams, service: string, namespace: string, faultId: string): VirtualServiceSpec | undefined {
  let touched = false;
  const http: HttpRoute[] = [];
  for (const route of spec.http ?? []) {
    if (!routesTo(route, service, namespace)) {
      http.push(route);
      continue;
    }
    touched = true;
    if (params.pathPrefix === undefined && !params.header) {
      http.push({ ...route, fault: istioFault(params) });
      continue;
    }
    const match = narrowMatches(route, params);
    if (match) {
      // Route names are unique within a VirtualService.
      http.push({ ...route, name: `${route.name ?? 'route'}-chaos-${shortHash(faultId).slice(0, 6)}`, match, fault: istioFault(params) });
    }
    http.push(route);
  }
  return touched ? { ...spec, http } : undefined;
}

/** A VirtualService of the driver's own, for a cluster whose api has none (the mesh is on, no route to the api). */
export function ownVirtualService(params: HttpFaultParams, service: string, namespace: string): VirtualServiceSpec {
  const host = `${service}.${namespace}.svc.cluster.local`;
  const route = { destination: { host } };
  const faulted = withHttpFault({ hosts: [host], http: [{ name: 'api', route: [route] }] }, params, service, namespace, 'own');
  return { hosts: [host], gateways: ['mesh'], http: faulted!.http };
}

// ---------------------------------------------------------------------------------------------------------------------
// Which experiments the cluster lab can run, and why not.

/** Chaos Mesh in use (--chaos-mesh and served): true, or the kinds the cluster serves. */
export interface ClusterOptions {
  chaosMesh?: boolean | readonly ChaosMeshKind[];
}

/**
 * Why a fault cannot be done in the cluster lab by this driver, or undefined when it can. With `chaosMesh` (the run
 * asked for it and the cluster serves chaos-mesh.org/v1alpha1), network faults are NetworkChaos objects.
 */
export function unsupportedInCluster(f: FaultSpec, options: ClusterOptions = {}): string | undefined {
  const serves = (kind: ChaosMeshKind): boolean => (Array.isArray(options.chaosMesh) ? options.chaosMesh.includes(kind) : options.chaosMesh === true);
  if (f.fault === 'stress' && !serves('StressChaos')) {
    return "a stress fault is Chaos Mesh's StressChaos: --chaos-mesh, where Chaos Mesh is installed";
  }
  if (f.fault === 'network' && serves('NetworkChaos')) return chaosMeshUnsupported(f.fault, f as unknown as Record<string, unknown>);
  if (f.fault === 'network') {
    if (f.toxic.type !== 'partition') {
      return `a network ${f.toxic.type} toxic needs something in the data path (toxiproxy locally; in a cluster Chaos Mesh's NetworkChaos: --chaos-mesh where Chaos Mesh is installed): only a partition (NetworkPolicy) runs in the cluster without it`;
    }
    if (f.toxicity < 1) return 'a NetworkPolicy partition cuts every connection: toxicity below 1 is local only';
    if (f.direction !== 'both') return 'a NetworkPolicy partition cuts both directions: direction must be both';
  }
  if (f.fault === 'kill' && f.target.mode === 'match' && f.target.match && !/^[A-Za-z0-9./_-]+(=|!=|\s+in\s|\s+notin\s)/.test(f.target.match) && !/^!?[A-Za-z0-9./_-]+$/.test(f.target.match)) {
    return `target.match is a label selector in the cluster (e.g. pod-template-hash=abc), not "${f.target.match}"`;
  }
  return undefined;
}

/** Why an experiment cannot run in the cluster lab, or nothing. */
export function clusterProblems(e: Experiment, options: ClusterOptions = {}): string[] {
  const problems: string[] = [];
  if (!e.targets.includes('k8s')) problems.push(`its targets are ${e.targets.join(', ')} (add k8s once its faults and expectations hold in the cluster)`);
  e.method.forEach((f, i) => {
    const why = unsupportedInCluster(f, options);
    if (why) problems.push(`method.${i} (${f.fault}): ${why}`);
  });
  return problems;
}

