// The Kubernetes driver's plans, on the shapes of the lab's own objects: selectors, policy splits, VirtualService
// faults, labels and what the cluster can run. platform/tests/chaos-k8s.test.ts applies them to a real API server.
import { describe, expect, it } from 'vitest';
import { loadAll } from '../experiments';
import { parseExperiment } from '../schema';
import {
  EXPIRES_ANNOTATION, FAULT_LABEL, MANAGED_BY, RUN_LABEL, clusterProblems, isolationPlan, labelValue, marks, objectName,
  ownVirtualService, partitionPlan, podSelector, selects, withHttpFault, type NetworkPolicyObject, type Workload,
} from './k8s-plan';

const w = (name: string, component = name): Workload => ({
  component,
  name,
  podLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'fleetlab' },
  namespace: 'fleetlab',
  namespaceLabels: { 'kubernetes.io/metadata.name': 'fleetlab' },
});
const byName = (name: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': name } } });

/** The lab's policies that matter here (platform/base/network-policies.yaml, components/data). */
const POLICIES: NetworkPolicyObject[] = [
  { metadata: { name: 'default-deny', namespace: 'fleetlab' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
  {
    metadata: { name: 'dns', namespace: 'fleetlab' },
    spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }] }] },
  },
  {
    metadata: { name: 'api', namespace: 'fleetlab' },
    spec: {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [byName('simulator')] }],
      egress: [{ to: [byName('kafka')], ports: [{ port: 9092 }] }, { to: [byName('mongodb')], ports: [{ port: 27017 }] }],
    },
  },
  {
    metadata: { name: 'kafka', namespace: 'fleetlab' },
    spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kafka' } }, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [byName('api'), byName('consumer')] }] },
  },
  {
    metadata: { name: 'metrics-from-prometheus', namespace: 'fleetlab' },
    spec: {
      podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['api', 'simulator', 'consumer'] }] },
      policyTypes: ['Ingress'],
      ingress: [{ from: [byName('prometheus')] }],
    },
  },
];

describe('selectors', () => {
  it('map components to the workloads of the cluster lab (the database is MongoDB)', () => {
    expect(podSelector(['consumer'])).toBe('app.kubernetes.io/name=consumer');
    expect(podSelector(['database', 'api'])).toBe('app.kubernetes.io/name in (api,mongodb)');
    expect(podSelector(['api'], 'pod-template-hash=abc')).toBe('app.kubernetes.io/name=api,pod-template-hash=abc');
    expect(() => podSelector(['web'])).toThrow(/no workload for component web/);
  });

  it('evaluate matchLabels and every operator as the API server does', () => {
    const labels = { a: '1', b: '2' };
    expect(selects({}, labels)).toBe(true);
    expect(selects({ matchLabels: { a: '1' } }, labels)).toBe(true);
    expect(selects({ matchLabels: { a: '2' } }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '3'] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['1'] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'c', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'c', operator: 'DoesNotExist' }] }, labels)).toBe(true);
  });
});

describe('labels, names and expiry', () => {
  it('label values stay valid (≤ 63 characters, alphanumeric ends) and unique when shortened', () => {
    expect(labelValue('api-5xx-20261130-011200-ab12-0')).toBe('api-5xx-20261130-011200-ab12-0');
    const long = `${'x'.repeat(80)}-1`;
    const other = `${'x'.repeat(80)}-2`;
    expect(labelValue(long)).toHaveLength(63);
    expect(labelValue(long)).not.toBe(labelValue(other));
    expect(labelValue('-odd id!-')).toBe('odd-id');
  });

  it('every object is marked with the tool, run, fault and expiry; names are DNS labels', () => {
    const m = marks('run-1-0', 'run-1', Date.parse('2026-11-30T01:00:00Z'));
    expect(m.labels).toEqual({ [MANAGED_BY]: 'fleetlab-chaos', [RUN_LABEL]: 'run-1', [FAULT_LABEL]: 'run-1-0' });
    expect(m.annotations).toEqual({ [EXPIRES_ANNOTATION]: '2026-11-30T01:00:00.000Z' });
    expect(objectName('Run_1-0', 'metrics-from-prometheus-simulator')).toMatch(/^fleetlab-chaos-[0-9a-f]{8}-[a-z0-9-]+[a-z0-9]$/);
    expect(objectName('x', 'y'.repeat(100)).length).toBeLessThanOrEqual(63);
  });
});

describe('NetworkPolicy partition', () => {
  it('api ↔ Kafka: the api policy stops selecting the api; a copy selecting only the api cannot reach Kafka', () => {
    const plan = partitionPlan(POLICIES, [w('api')], [w('kafka')], 'f-0');
    expect(plan.patch.map((p) => p.name)).toEqual(['api']);
    const patched = plan.patch[0]!;
    expect(patched.original).toBe(POLICIES[2]!.spec);
    expect(patched.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'api' }, matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['api'] }] });
    expect(plan.create).toHaveLength(1);
    const copy = plan.create[0]!.spec;
    expect(selects(copy.podSelector, w('api').podLabels)).toBe(true);
    expect(selects(copy.podSelector, w('consumer').podLabels)).toBe(false);
    // Kafka is out of every egress peer; MongoDB still in; ingress untouched.
    const peers = copy.egress!.flatMap((r) => r.to!);
    expect(peers.some((p) => selects(p.podSelector, w('kafka').podLabels))).toBe(false);
    expect(peers.some((p) => selects(p.podSelector, w('mongodb').podLabels))).toBe(true);
    expect(copy.ingress).toEqual(POLICIES[2]!.spec.ingress);
    expect(copy.egress!.map((r) => r.ports)).toEqual([[{ port: 9092 }], [{ port: 27017 }]]);
  });

  it('cuts at the receiver when the sender is not isolated for egress', () => {
    const ingressOnly: NetworkPolicyObject[] = [
      { metadata: { name: 'kafka', namespace: 'fleetlab' }, spec: { podSelector: byName('kafka').podSelector, policyTypes: ['Ingress'], ingress: [{ from: [byName('api'), byName('consumer')] }] } },
      // Kafka → api is denied already (nothing lets Kafka into the api): only api → Kafka is cut.
      { metadata: { name: 'api', namespace: 'fleetlab' }, spec: { podSelector: byName('api').podSelector, policyTypes: ['Ingress'] } },
    ];
    const plan = partitionPlan(ingressOnly, [w('api')], [w('kafka')], 'f-0');
    expect(plan.patch.map((p) => p.name)).toEqual(['kafka']);
    const from = plan.create[0]!.spec.ingress![0]!.from!;
    expect(from.some((p) => selects(p.podSelector, w('api').podLabels))).toBe(false);
    expect(from.some((p) => selects(p.podSelector, w('consumer').podLabels))).toBe(true);
  });

  it('a rule open to every destination is narrowed to every pod but the cut one', () => {
    const open: NetworkPolicyObject[] = [{ metadata: { name: 'api', namespace: 'fleetlab' }, spec: { podSelector: byName('api').podSelector, policyTypes: ['Ingress', 'Egress'], egress: [{}] } }];
    const plan = partitionPlan(open, [w('api')], [w('kafka')], 'f-0');
    expect(plan.create[0]!.spec.egress).toEqual([{ to: [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['kafka'] }] } }] }]);
  });

  it('refuses when nothing isolates either end (NetworkPolicies can only take away what one allowed)', () => {
    expect(() => partitionPlan([], [w('api')], [w('kafka')], 'f-0')).toThrow(/no NetworkPolicy isolates api \(egress\) or kafka \(ingress\)/);
  });
});

describe('isolation (freeze in the cluster)', () => {
  it('every policy selecting the simulator stops doing so, others keep theirs, and one policy allows it nothing', () => {
    const plan = isolationPlan(POLICIES, [w('simulator')], 'f-0');
    expect(plan.patch.map((p) => p.name)).toEqual(['default-deny', 'dns', 'metrics-from-prometheus']);
    const metrics = plan.patch.find((p) => p.name === 'metrics-from-prometheus')!.spec;
    expect(selects(metrics.podSelector, w('simulator').podLabels)).toBe(false);
    expect(selects(metrics.podSelector, w('api').podLabels)).toBe(true);
    expect(plan.create.map((c) => c.spec)).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'simulator' } }, policyTypes: ['Ingress', 'Egress'] }]);
  });
});

describe('Istio VirtualService faults', () => {
  const gateway = {
    hosts: ['*'],
    gateways: ['fleetlab'],
    http: [
      { name: 'socket-io', match: [{ uri: { prefix: '/socket.io/' } }], route: [{ destination: { host: 'api.fleetlab.svc.cluster.local', port: { number: 3000 } } }] },
      { name: 'api', match: [{ uri: { prefix: '/routes' } }, { uri: { prefix: '/trips' } }, { uri: { exact: '/readyz' } }], route: [{ destination: { host: 'api.fleetlab.svc.cluster.local' } }] },
      { name: 'web', route: [{ destination: { host: 'web.fleetlab.svc.cluster.local' } }] },
    ],
  };

  it('sets delay and abort with percentages on every route to the api, and leaves the others alone', () => {
    const spec = withHttpFault(gateway, { delayMs: 400, abortStatus: 503, percent: 30 }, 'api', 'fleetlab', 'f-0')!;
    expect(spec.http!.map((r) => r.fault)).toEqual([
      { delay: { percentage: { value: 30 }, fixedDelay: '400ms' }, abort: { percentage: { value: 30 }, httpStatus: 503 } },
      { delay: { percentage: { value: 30 }, fixedDelay: '400ms' }, abort: { percentage: { value: 30 }, httpStatus: 503 } },
      undefined,
    ]);
    // The input is not changed: it is the original the ledger keeps.
    expect(gateway.http.some((r) => 'fault' in r)).toBe(false);
  });

  it('with a path prefix, a faulted copy matching only that prefix goes before the route; routes the prefix cannot meet stay as they are', () => {
    const spec = withHttpFault(gateway, { abortStatus: 500, percent: 10, pathPrefix: '/trips/' }, 'api', 'fleetlab', 'f-0')!;
    expect(spec.http!.map((r) => r.name)).toEqual(['socket-io', expect.stringMatching(/^api-chaos-/), 'api', 'web']);
    expect(spec.http![1]!.match).toEqual([{ uri: { prefix: '/trips/' } }]);
    expect(spec.http![2]!.fault).toBeUndefined();
  });

  it('with a header, each faulted copy matches the header as well as the route', () => {
    const spec = withHttpFault(gateway, { abortStatus: 503, percent: 100, header: { name: 'x-chaos', exact: 'on' } }, 'api', 'fleetlab', 'f-0')!;
    const copies = spec.http!.filter((r) => r.fault);
    expect(copies.map((r) => r.name)).toEqual([expect.stringMatching(/^socket-io-chaos-/), expect.stringMatching(/^api-chaos-/)]);
    expect(copies[1]!.match).toEqual(gateway.http[1]!.match!.map((m) => ({ ...m, headers: { 'x-chaos': { exact: 'on' } } })));
    expect(spec.http).toHaveLength(5);
  });

  it('no route to the api: nothing to patch, and a VirtualService of its own for the mesh', () => {
    expect(withHttpFault({ hosts: ['web'], http: [gateway.http[2]!] }, { abortStatus: 503, percent: 5 }, 'api', 'fleetlab', 'f-0')).toBeUndefined();
    expect(ownVirtualService({ delayMs: 100, percent: 50 }, 'api', 'lab')).toEqual({
      hosts: ['api.lab.svc.cluster.local'],
      gateways: ['mesh'],
      http: [{ name: 'api', route: [{ destination: { host: 'api.lab.svc.cluster.local' } }], fault: { delay: { percentage: { value: 50 }, fixedDelay: '100ms' } } }],
    });
  });
});

describe('which experiments the cluster runs', () => {
  const base = { title: 't', hypothesis: 'h', duration: '10s', targets: ['local', 'k8s'] };

  it('network faults other than a full partition need Chaos Mesh, which is not built', () => {
    const latency = parseExperiment({ ...base, method: [{ fault: 'network', target: { components: ['api'] }, to: 'database', toxic: { type: 'latency', latencyMs: 200 } }] });
    expect(clusterProblems(latency)).toEqual([expect.stringMatching(/^method\.0 \(network\): a network latency toxic needs .*Chaos Mesh/)]);
    const half = parseExperiment({ ...base, method: [{ fault: 'network', target: { components: ['api'] }, to: 'kafka', toxic: { type: 'partition' }, toxicity: 0.5 }] });
    expect(clusterProblems(half)).toEqual([expect.stringMatching(/toxicity below 1 is local only/)]);
    const ok = parseExperiment({ ...base, method: [{ fault: 'network', target: { components: ['api'] }, to: 'kafka', toxic: { type: 'partition' } }] });
    expect(clusterProblems(ok)).toEqual([]);
  });

  it('an experiment without k8s in its targets is refused, saying so', () => {
    const local = parseExperiment({ ...base, targets: ['local'], method: [{ fault: 'kill', target: { components: ['api'] } }] });
    expect(clusterProblems(local)).toEqual([expect.stringMatching(/its targets are local/)]);
  });

  it('every shipped experiment that targets k8s is one the driver can run', () => {
    const k8s = loadAll().filter((l) => l.experiment.targets.includes('k8s'));
    expect(k8s.map((l) => l.name)).toEqual(['api-crash', 'api-kafka-partition', 'consumer-crash', 'database-outage', 'frozen-simulator', 'kafka-outage', 'simulator-crash']);
    for (const l of k8s) expect(clusterProblems(l.experiment), l.name).toEqual([]);
  });
});
