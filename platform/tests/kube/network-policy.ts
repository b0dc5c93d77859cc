// What the lab's NetworkPolicies allow, by the rules of networking.k8s.io/v1 (isolation per direction, additive
// allows, peers by pod/namespace selector or ipBlock, named ports resolved on the destination pod), over a small model
// of the cluster: fleetlab's pods, Istio's gateway and istiod, CoreDNS, the API server and the internet. A real CNI
// enforces them; this checks what they say. And the flows the lab needs, derived from its manifests.
import type { K8sObject } from '../lib';
import { podTemplates } from '../lib';

export interface Port {
  port: number;
  protocol: 'TCP' | 'UDP';
  name?: string;
}

export interface Endpoint {
  /** app.kubernetes.io/name of a pod, or a well-known name outside fleetlab (kube-dns, istiod, kube-apiserver…). */
  name: string;
  /** Undefined for what is not a pod (the API server, the internet): only ipBlocks select it. */
  namespace?: string;
  labels: Record<string, string>;
  ip: string;
  ports: Port[];
  /** Whether the pod gets an Istio sidecar. */
  meshed?: boolean;
}

export interface Flow {
  from: string;
  to: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  /** Why the lab needs it (where it was derived from). */
  why?: string;
}

export const flowKey = (f: Flow): string => `${f.from} -> ${f.to}:${f.port}/${f.protocol}`;

// A port no workload listens on: a rule that allows every port is caught by it.
const ANY_OTHER_PORT: Port = { port: 65000, protocol: 'TCP' };
// What an injected Envoy sidecar listens on besides the app's ports.
const SIDECAR_PORTS: Port[] = [15001, 15006, 15020, 15021, 15090].map((port) => ({ port, protocol: 'TCP' as const }));
export const API_SERVER_PORTS = [443, 6443, 8443];

/** The namespaces of the model and their labels (kubernetes.io/metadata.name is set by the API server on every one). */
export function namespaceLabels(objects: K8sObject[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const ns of ['istio-system', 'kube-system']) out.set(ns, { 'kubernetes.io/metadata.name': ns });
  for (const o of objects.filter((x) => x.kind === 'Namespace')) {
    out.set(o.metadata.name, { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name });
  }
  return out;
}

/** Every pod of the rendered objects (one per template), plus extra pods (the Tiltfile's k6) and the world outside. */
export function endpoints(objects: K8sObject[], extraPods: Endpoint[] = []): Endpoint[] {
  const namespaces = namespaceLabels(objects);
  const out: Endpoint[] = [];
  let n = 10;
  for (const t of podTemplates(objects)) {
    const namespace = t.owner.split('/')[1] || 'fleetlab';
    const containers = [...(t.spec.containers ?? []), ...(t.spec.initContainers ?? [])];
    const ports: Port[] = containers.flatMap((c: { ports?: { containerPort: number; protocol?: 'TCP' | 'UDP'; name?: string }[] }) =>
      (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol ?? 'TCP', name: p.name })),
    );
    const meshed = namespaces.get(namespace)?.['istio-injection'] === 'enabled' && t.labels['sidecar.istio.io/inject'] !== 'false';
    out.push({
      name: t.labels['app.kubernetes.io/name'] ?? t.owner,
      namespace,
      labels: t.labels,
      ip: `10.244.0.${n++}`,
      ports: [...ports, ...(meshed ? SIDECAR_PORTS : []), ANY_OTHER_PORT],
      meshed,
    });
  }
  for (const pod of extraPods) out.push({ ...pod, ip: `10.244.0.${n++}`, ports: [...pod.ports, ANY_OTHER_PORT] });
  const tcp = (...ports: number[]): Port[] => ports.map((port) => ({ port, protocol: 'TCP' }));
  out.push(
    // The Helm chart `gateway` as the Tiltfile installs it (release istio-ingressgateway) and istiod, in istio-system.
    { name: 'istio-ingressgateway', namespace: 'istio-system', labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' }, ip: '10.244.1.2', ports: [...tcp(80, 15021, 15090), ANY_OTHER_PORT] },
    { name: 'istiod', namespace: 'istio-system', labels: { app: 'istiod', istio: 'pilot' }, ip: '10.244.1.3', ports: [...tcp(8080, 15010, 15012, 15014, 15017), ANY_OTHER_PORT] },
    { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.244.1.4', ports: [{ port: 53, protocol: 'UDP' }, ...tcp(53, 9153), ANY_OTHER_PORT] },
    // The API server's endpoint is the control-plane node (kind: 172.18.0.2:6443), not a pod.
    { name: 'kube-apiserver', labels: {}, ip: '172.18.0.2', ports: [...tcp(...API_SERVER_PORTS), ANY_OTHER_PORT] },
    { name: 'internet', labels: {}, ip: '93.184.216.34', ports: [...tcp(80, 443), ANY_OTHER_PORT] },
  );
  return out;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(value!))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(value!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipToInt(ip) / size) === Math.floor(ipToInt(base!) / size);
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface Rule {
  ports?: { port?: number | string; protocol?: 'TCP' | 'UDP' | 'SCTP'; endPort?: number }[];
  peers?: Peer[];
}

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint, namespaces: Map<string, Record<string, string>>): boolean {
  if (peer.ipBlock) return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
  if (other.namespace === undefined) return false;
  const nsOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaces.get(other.namespace) ?? {})
    : other.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, other.labels) : true;
  return nsOk && podOk;
}

/** A rule's port matches the destination's port (named ports resolve on the destination pod). */
function portMatches(rule: Rule, dst: Endpoint, port: Port): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== port.protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') return port.name === p.port && dst.ports.some((x) => x.name === p.port);
    return p.endPort ? port.port >= p.port && port.port <= p.endPort : port.port === p.port;
  });
}

interface Policy {
  namespace: string;
  podSelector: LabelSelector;
  types: string[];
  ingress: Rule[];
  egress: Rule[];
}

export function policies(objects: K8sObject[]): Policy[] {
  return objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => ({
      namespace: o.metadata.namespace ?? 'default',
      podSelector: o.spec?.podSelector ?? {},
      types: o.spec?.policyTypes ?? ['Ingress', ...(o.spec?.egress ? ['Egress'] : [])],
      ingress: (o.spec?.ingress ?? []).map((r: { from?: Peer[]; ports?: Rule['ports'] }) => ({ peers: r.from, ports: r.ports })),
      egress: (o.spec?.egress ?? []).map((r: { to?: Peer[]; ports?: Rule['ports'] }) => ({ peers: r.to, ports: r.ports })),
    }));
}

function allows(
  all: Policy[],
  direction: 'Ingress' | 'Egress',
  subject: Endpoint,
  other: Endpoint,
  dst: Endpoint,
  port: Port,
  namespaces: Map<string, Record<string, string>>,
): boolean {
  const selecting = all.filter(
    (p) => p.namespace === subject.namespace && p.types.includes(direction) && selects(p.podSelector, subject.labels),
  );
  if (selecting.length === 0) return true; // not isolated in this direction
  return selecting.some((p) =>
    (direction === 'Ingress' ? p.ingress : p.egress).some(
      (rule) =>
        (!rule.peers || rule.peers.length === 0 || rule.peers.some((peer) => peerMatches(peer, p.namespace, other, namespaces))) &&
        portMatches(rule, dst, port),
    ),
  );
}

/**
 * Every flow the policies let through between the model's endpoints where at least one end is in a namespace with
 * policies (`governed`); pods outside those namespaces are not isolated by anything here.
 */
export function allowedFlows(objects: K8sObject[], eps: Endpoint[], governed: string[]): Flow[] {
  const all = policies(objects);
  const namespaces = namespaceLabels(objects);
  const isGoverned = (e: Endpoint): boolean => e.namespace !== undefined && governed.includes(e.namespace);
  const out: Flow[] = [];
  for (const src of eps) {
    for (const dst of eps) {
      if (src === dst || (!isGoverned(src) && !isGoverned(dst))) continue;
      for (const port of dst.ports) {
        const egress = !isGoverned(src) || allows(all, 'Egress', src, dst, dst, port, namespaces);
        const ingress = !isGoverned(dst) || allows(all, 'Ingress', dst, src, dst, port, namespaces);
        if (egress && ingress) out.push({ from: src.name, to: dst.name, port: port.port, protocol: port.protocol });
      }
    }
  }
  return out;
}
