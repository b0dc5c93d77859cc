/**
 * Faults as Chaos Mesh objects (chaos-mesh.org/v1alpha1), for a cluster where Chaos Mesh is installed and the run
 * asked for it (`--chaos-mesh`): pure functions from a fault to the PodChaos / NetworkChaos / StressChaos the Kubernetes driver
 * creates. Field names and values follow Chaos Mesh's CRDs (manifests/crd.yaml of its module, which the tests install
 * in a real kube-apiserver): selector.namespaces / labelSelectors / expressionSelectors, mode one / all /
 * fixed-percent with its value, PodChaos pod-kill and pod-failure, NetworkChaos partition / delay / bandwidth with
 * direction and target, and `duration`, after which Chaos Mesh itself recovers the fault.
 */
import type { FaultKind, Target, Toxic } from '../schema';
import { NAME_LABEL, type LabelSelectorRequirement, workload } from './k8s-plan';

export const CHAOS_MESH_GROUP = 'chaos-mesh.org';
export const CHAOS_MESH_VERSION = 'v1alpha1';
/** Chaos Mesh pauses a running experiment with this annotation set to "true"; the driver deletes instead (docs/chaos.md). */
export const PAUSE_ANNOTATION = 'experiment.chaos-mesh.org/pause';

export type ChaosMeshKind = 'PodChaos' | 'NetworkChaos' | 'StressChaos';
export const CHAOS_MESH_PLURALS: Record<ChaosMeshKind, string> = { PodChaos: 'podchaos', NetworkChaos: 'networkchaos', StressChaos: 'stresschaos' };

/** Chaos Mesh's PodSelectorSpec (the part the driver uses). */
export interface ChaosMeshSelector {
  namespaces: string[];
  labelSelectors?: Record<string, string>;
  expressionSelectors?: LabelSelectorRequirement[];
}

export interface ChaosMeshObject {
  kind: ChaosMeshKind;
  name: string;
  spec: Record<string, unknown>;
}

/** Which Chaos Mesh kind a fault becomes, or undefined when Chaos Mesh does not do it natively (HTTP: Istio's). */
export function chaosMeshKindOf(kind: FaultKind): ChaosMeshKind | undefined {
  switch (kind) {
    case 'kill':
    case 'freeze':
    case 'outage':
      return 'PodChaos';
    case 'network':
      return 'NetworkChaos';
    case 'stress':
      return 'StressChaos';
    default:
      return undefined;
  }
}

/** A Go duration for Chaos Mesh's `duration`, whole seconds rounded up (at least 1 s). */
export function goDuration(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`;
}

/**
 * A Kubernetes label selector string (`a=b,c!=d,e in (f,g),h notin (i),j,!k`) as Chaos Mesh's labelSelectors and
 * expressionSelectors. Throws, naming the part, on anything else.
 */
export function parseLabelSelector(text: string): { labelSelectors: Record<string, string>; expressionSelectors: LabelSelectorRequirement[] } {
  const labelSelectors: Record<string, string> = {};
  const expressionSelectors: LabelSelectorRequirement[] = [];
  const key = '[A-Za-z0-9][A-Za-z0-9./_-]*';
  const value = '[A-Za-z0-9._-]*';
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  for (const raw of parts) {
    const part = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = part.match(new RegExp(`^(${key})\\s*!=\\s*(${value})$`)))) expressionSelectors.push({ key: m[1]!, operator: 'NotIn', values: [m[2]!] });
    else if ((m = part.match(new RegExp(`^(${key})\\s*==?\\s*(${value})$`)))) labelSelectors[m[1]!] = m[2]!;
    else if ((m = part.match(new RegExp(`^(${key})\\s+(in|notin)\\s*\\(([^)]*)\\)$`)))) {
      const values = m[3]!.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
      if (values.length === 0 || values.some((v) => !new RegExp(`^${value}$`).test(v))) throw new Error(`label selector "${text}": bad values in "${part}"`);
      expressionSelectors.push({ key: m[1]!, operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = part.match(new RegExp(`^!\\s*(${key})$`)))) expressionSelectors.push({ key: m[1]!, operator: 'DoesNotExist' });
    else if ((m = part.match(new RegExp(`^(${key})$`)))) expressionSelectors.push({ key: m[1]!, operator: 'Exists' });
    else throw new Error(`label selector "${text}": cannot read "${part}" (key=value, key!=value, key in (a,b), key notin (a,b), key, !key)`);
  }
  return { labelSelectors, expressionSelectors };
}

/** The pods of components (their workloads' app.kubernetes.io/name), plus a blast radius `match` selector. */
export function chaosMeshSelector(namespace: string, components: string[], match?: string): ChaosMeshSelector {
  const names = [...new Set(components.map(workload))].sort();
  const extra = match ? parseLabelSelector(match) : { labelSelectors: {}, expressionSelectors: [] };
  if (names.length === 1 && extra.labelSelectors[NAME_LABEL] !== undefined && extra.labelSelectors[NAME_LABEL] !== names[0]) {
    throw new Error(`target.match ${match} contradicts the component's ${NAME_LABEL}=${names[0]}`);
  }
  const labelSelectors = { ...(names.length === 1 ? { [NAME_LABEL]: names[0]! } : {}), ...extra.labelSelectors };
  const expressionSelectors = [...(names.length > 1 ? [{ key: NAME_LABEL, operator: 'In' as const, values: names }] : []), ...extra.expressionSelectors];
  return {
    namespaces: [namespace],
    ...(Object.keys(labelSelectors).length > 0 ? { labelSelectors } : {}),
    ...(expressionSelectors.length > 0 ? { expressionSelectors } : {}),
  };
}

/** A blast radius as Chaos Mesh's mode and value: one, all, fixed-percent (value: the percent); match selects, then all. */
export function chaosMeshMode(target: Pick<Target, 'mode' | 'percent'>): { mode: 'one' | 'all' | 'fixed-percent'; value?: string } {
  switch (target.mode) {
    case 'one':
      return { mode: 'one' };
    case 'percent':
      return { mode: 'fixed-percent', value: String(Math.round(target.percent ?? 100)) };
    default:
      return { mode: 'all' };
  }
}

export interface ChaosMeshFault {
  id: string;
  kind: FaultKind;
  /** The faulted components (for kill with Chaos Mesh: the components, not pods; Chaos Mesh picks the pods). */
  components: string[];
  params: Record<string, unknown>;
  target?: Pick<Target, 'mode' | 'percent' | 'match'>;
}

/** Why Chaos Mesh cannot do this fault as the experiment says, or undefined when it can. */
export function chaosMeshUnsupported(kind: FaultKind, params: Record<string, unknown>): string | undefined {
  if (kind !== 'network') return chaosMeshKindOf(kind) ? undefined : `Chaos Mesh is not used for ${kind} faults`;
  const toxic = params.toxic as Toxic;
  if (!['partition', 'latency', 'bandwidth'].includes(toxic.type)) return `a network ${toxic.type} toxic has no NetworkChaos action (partition, latency and bandwidth do)`;
  if (params.toxicity !== undefined && Number(params.toxicity) < 1) return 'NetworkChaos acts on every packet between the pods: toxicity below 1 is local only';
  return undefined;
}

/** toxiproxy's streams as NetworkChaos directions: upstream (client → server) is `to` the target, downstream `from` it. */
export function chaosMeshDirection(direction: unknown): 'to' | 'from' | 'both' {
  return direction === 'upstream' ? 'to' : direction === 'downstream' ? 'from' : 'both';
}

/**
 * The Chaos Mesh object for a fault: kill → PodChaos pod-kill (no grace period, as SIGKILL); freeze and outage →
 * PodChaos pod-failure (the containers stop for the duration, the pods stay); network → NetworkChaos partition,
 * delay or bandwidth from the components' pods to the `to` dependency's; stress → StressChaos (cpu and memory
 * stressors, by selector and mode). `duration` is the fault's own.
 */
export function chaosMeshObject(fault: ChaosMeshFault, namespace: string, durationMs: number, name: string): ChaosMeshObject {
  const why = chaosMeshUnsupported(fault.kind, fault.params);
  if (why) throw new Error(why);
  const duration = goDuration(durationMs);
  switch (fault.kind) {
    case 'kill': {
      const target = fault.target ?? { mode: 'all' as const };
      const selector = chaosMeshSelector(namespace, fault.components, target.mode === 'match' ? target.match : undefined);
      return { kind: 'PodChaos', name, spec: { action: 'pod-kill', ...chaosMeshMode(target), selector, gracePeriod: 0, duration } };
    }
    case 'stress': {
      const target = fault.target ?? { mode: 'all' as const };
      const selector = chaosMeshSelector(namespace, fault.components, target.mode === 'match' ? target.match : undefined);
      const cpu = fault.params.cpu as { workers: number; load?: number } | undefined;
      const memory = fault.params.memory as { workers: number; size: string } | undefined;
      const stressors = {
        ...(cpu ? { cpu: { workers: cpu.workers, load: cpu.load ?? 100 } } : {}),
        ...(memory ? { memory: { workers: memory.workers, size: memory.size } } : {}),
      };
      return { kind: 'StressChaos', name, spec: { ...chaosMeshMode(target), selector, stressors, duration } };
    }
    case 'freeze':
    case 'outage':
      return { kind: 'PodChaos', name, spec: { action: 'pod-failure', mode: 'all', selector: chaosMeshSelector(namespace, fault.components), duration } };
    case 'network': {
      const toxic = fault.params.toxic as Toxic;
      const target = { mode: 'all', selector: chaosMeshSelector(namespace, [String(fault.params.to)]) };
      const base = { mode: 'all', selector: chaosMeshSelector(namespace, fault.components), direction: chaosMeshDirection(fault.params.direction), target, duration };
      if (toxic.type === 'latency') {
        return { kind: 'NetworkChaos', name, spec: { action: 'delay', ...base, delay: { latency: `${toxic.latencyMs}ms`, jitter: `${toxic.jitterMs ?? 0}ms` } } };
      }
      if (toxic.type === 'bandwidth') {
        // rateKBps is kilobytes per second; Chaos Mesh's rate is bits (kbps). limit and buffer as in Chaos Mesh's docs.
        return { kind: 'NetworkChaos', name, spec: { action: 'bandwidth', ...base, bandwidth: { rate: `${toxic.rateKBps * 8}kbps`, limit: 20971520, buffer: 10000 } } };
      }
      return { kind: 'NetworkChaos', name, spec: { action: 'partition', ...base } };
    }
    default:
      throw new Error(`Chaos Mesh is not used for ${fault.kind} faults`);
  }
}
