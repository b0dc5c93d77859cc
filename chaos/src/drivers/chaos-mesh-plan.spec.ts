import { describe, expect, it } from 'vitest';
import {
  chaosMeshDirection, chaosMeshKindOf, chaosMeshMode, chaosMeshObject, chaosMeshSelector, chaosMeshUnsupported, goDuration, parseLabelSelector,
} from './chaos-mesh-plan';
import { clusterProblems, unsupportedInCluster } from './k8s-plan';
import { experiment, type FaultSpec } from '../schema';

const NS = 'fleetlab';

describe('label selectors as Chaos Mesh selectors', () => {
  it('reads equality, inequality, set and existence requirements', () => {
    expect(parseLabelSelector('a=b, c==d,e!=f,g in (h, i),j notin (k),l,!m')).toEqual({
      labelSelectors: { a: 'b', c: 'd' },
      expressionSelectors: [
        { key: 'e', operator: 'NotIn', values: ['f'] },
        { key: 'g', operator: 'In', values: ['h', 'i'] },
        { key: 'j', operator: 'NotIn', values: ['k'] },
        { key: 'l', operator: 'Exists' },
        { key: 'm', operator: 'DoesNotExist' },
      ],
    });
    expect(parseLabelSelector('pod-template-hash=abc')).toEqual({ labelSelectors: { 'pod-template-hash': 'abc' }, expressionSelectors: [] });
  });

  it('refuses what is not a label selector, naming the part', () => {
    expect(() => parseLabelSelector('consumer-.*')).toThrow(/cannot read "consumer-\.\*"/);
    expect(() => parseLabelSelector('a=b,x in ()')).toThrow(/bad values in "x in \(\)"/);
  });

  it("selects the components' workloads in the lab's namespace, plus the match", () => {
    expect(chaosMeshSelector(NS, ['consumer'])).toEqual({ namespaces: [NS], labelSelectors: { 'app.kubernetes.io/name': 'consumer' } });
    expect(chaosMeshSelector(NS, ['database', 'api'])).toEqual({
      namespaces: [NS],
      expressionSelectors: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['api', 'mongodb'] }],
    });
    expect(chaosMeshSelector(NS, ['consumer'], 'group=b,zone notin (x)')).toEqual({
      namespaces: [NS],
      labelSelectors: { 'app.kubernetes.io/name': 'consumer', group: 'b' },
      expressionSelectors: [{ key: 'zone', operator: 'NotIn', values: ['x'] }],
    });
    expect(() => chaosMeshSelector(NS, ['consumer'], 'app.kubernetes.io/name=api')).toThrow(/contradicts/);
  });

  it('maps blast radius modes to Chaos Mesh modes', () => {
    expect(chaosMeshMode({ mode: 'one' })).toEqual({ mode: 'one' });
    expect(chaosMeshMode({ mode: 'all' })).toEqual({ mode: 'all' });
    expect(chaosMeshMode({ mode: 'percent', percent: 50 })).toEqual({ mode: 'fixed-percent', value: '50' });
    expect(chaosMeshMode({ mode: 'match' })).toEqual({ mode: 'all' });
  });
});

describe('faults as Chaos Mesh objects', () => {
  it('kinds: kill, freeze, outage → PodChaos; network → NetworkChaos; http stays with Istio', () => {
    expect(['kill', 'freeze', 'outage', 'network', 'stress', 'http'].map((k) => chaosMeshKindOf(k as never))).toEqual(['PodChaos', 'PodChaos', 'PodChaos', 'NetworkChaos', 'StressChaos', undefined]);
  });

  it('durations are whole seconds, rounded up, at least 1 s', () => {
    expect([goDuration(30_000), goDuration(29_001), goDuration(0)]).toEqual(['30s', '30s', '1s']);
  });

  it('kill: pod-kill by selector and mode, no grace period, with the fault duration', () => {
    const o = chaosMeshObject({ id: 'r-0', kind: 'kill', components: ['consumer'], params: {}, target: { mode: 'percent', percent: 50 } }, NS, 30_000, 'n');
    expect(o).toEqual({
      kind: 'PodChaos',
      name: 'n',
      spec: { action: 'pod-kill', mode: 'fixed-percent', value: '50', selector: { namespaces: [NS], labelSelectors: { 'app.kubernetes.io/name': 'consumer' } }, gracePeriod: 0, duration: '30s' },
    });
    const match = chaosMeshObject({ id: 'r-0', kind: 'kill', components: ['consumer'], params: {}, target: { mode: 'match', match: 'group=b' } }, NS, 5_000, 'n');
    expect(match.spec).toMatchObject({ mode: 'all', selector: { labelSelectors: { 'app.kubernetes.io/name': 'consumer', group: 'b' } } });
  });

  it('freeze and outage: pod-failure of every pod of the components', () => {
    for (const kind of ['freeze', 'outage'] as const) {
      expect(chaosMeshObject({ id: 'r-1', kind, components: ['simulator'], params: {} }, NS, 20_000, 'n').spec).toEqual({
        action: 'pod-failure', mode: 'all', selector: { namespaces: [NS], labelSelectors: { 'app.kubernetes.io/name': 'simulator' } }, duration: '20s',
      });
    }
  });

  it('network: partition, delay and bandwidth from the components to the dependency, toxiproxy streams as directions', () => {
    const base = { id: 'r-2', kind: 'network' as const, components: ['api'] };
    const partition = chaosMeshObject({ ...base, params: { to: 'kafka', toxic: { type: 'partition' }, direction: 'both' } }, NS, 30_000, 'n');
    expect(partition.spec).toEqual({
      action: 'partition',
      mode: 'all',
      selector: { namespaces: [NS], labelSelectors: { 'app.kubernetes.io/name': 'api' } },
      direction: 'both',
      target: { mode: 'all', selector: { namespaces: [NS], labelSelectors: { 'app.kubernetes.io/name': 'kafka' } } },
      duration: '30s',
    });
    const delay = chaosMeshObject({ ...base, params: { to: 'database', toxic: { type: 'latency', latencyMs: 200, jitterMs: 20 }, direction: 'upstream' } }, NS, 30_000, 'n');
    expect(delay.spec).toMatchObject({ action: 'delay', direction: 'to', delay: { latency: '200ms', jitter: '20ms' }, target: { selector: { labelSelectors: { 'app.kubernetes.io/name': 'mongodb' } } } });
    const bandwidth = chaosMeshObject({ ...base, params: { to: 'kafka', toxic: { type: 'bandwidth', rateKBps: 64 }, direction: 'downstream' } }, NS, 30_000, 'n');
    expect(bandwidth.spec).toMatchObject({ action: 'bandwidth', direction: 'from', bandwidth: { rate: '512kbps', limit: 20971520, buffer: 10000 } });
    expect([chaosMeshDirection('upstream'), chaosMeshDirection('downstream'), chaosMeshDirection('both'), chaosMeshDirection(undefined)]).toEqual(['to', 'from', 'both', 'both']);
  });

  it('stress: StressChaos with the cpu and memory stressors, by selector and mode', () => {
    const both = chaosMeshObject({ id: 'r-3', kind: 'stress', components: ['api'], params: { cpu: { workers: 2, load: 80 }, memory: { workers: 1, size: '50%' } }, target: { mode: 'one' } }, NS, 60_000, 'n');
    expect(both).toEqual({
      kind: 'StressChaos',
      name: 'n',
      spec: { mode: 'one', selector: { namespaces: [NS], labelSelectors: { 'app.kubernetes.io/name': 'api' } }, stressors: { cpu: { workers: 2, load: 80 }, memory: { workers: 1, size: '50%' } }, duration: '60s' },
    });
    const cpu = chaosMeshObject({ id: 'r-3', kind: 'stress', components: ['consumer'], params: { cpu: { workers: 1 } } }, NS, 1_500, 'n');
    expect(cpu.spec).toMatchObject({ mode: 'all', stressors: { cpu: { workers: 1, load: 100 } }, duration: '2s' });
    expect(cpu.spec.stressors).not.toHaveProperty('memory');
  });

  it('refuses what NetworkChaos cannot say: timeout and reset toxics, toxicity below 1', () => {
    expect(chaosMeshUnsupported('network', { toxic: { type: 'timeout', timeoutMs: 0 } })).toMatch(/no NetworkChaos action/);
    expect(chaosMeshUnsupported('network', { toxic: { type: 'latency', latencyMs: 5 }, toxicity: 0.5 })).toMatch(/toxicity below 1/);
    expect(chaosMeshUnsupported('network', { toxic: { type: 'latency', latencyMs: 5 }, toxicity: 1 })).toBeUndefined();
    expect(chaosMeshUnsupported('http', {})).toMatch(/not used for http/);
    expect(() => chaosMeshObject({ id: 'x', kind: 'network', components: ['api'], params: { to: 'kafka', toxic: { type: 'reset' } } }, NS, 1000, 'n')).toThrow(/no NetworkChaos action/);
  });
});

describe('what the cluster runs, with and without Chaos Mesh', () => {
  const latency = experiment.parse({
    title: 't',
    hypothesis: 'h',
    targets: ['k8s'],
    method: [{ fault: 'network', target: { components: ['api'] }, to: 'database', toxic: { type: 'latency', latencyMs: 200 } }],
    duration: '30s',
  });

  it('a latency toxic needs Chaos Mesh; with it, the experiment runs', () => {
    expect(clusterProblems(latency)).toEqual([expect.stringMatching(/method\.0 \(network\): a network latency toxic needs .*--chaos-mesh/)]);
    expect(clusterProblems(latency, { chaosMesh: true })).toEqual([]);
  });

  it('a stress fault runs only where StressChaos is served; the schema keeps it out of the local lab', () => {
    const stress = experiment.parse({ ...latency, method: [{ fault: 'stress', target: { components: ['api'] }, cpu: { workers: 1 } }] });
    expect(clusterProblems(stress)).toEqual([expect.stringMatching(/method\.0 \(stress\): a stress fault is Chaos Mesh's StressChaos/)]);
    expect(clusterProblems(stress, { chaosMesh: ['PodChaos', 'NetworkChaos'] })).toHaveLength(1);
    expect(clusterProblems(stress, { chaosMesh: ['StressChaos'] })).toEqual([]);
    // Network faults follow NetworkChaos alone.
    expect(clusterProblems(latency, { chaosMesh: ['PodChaos', 'StressChaos'] })).toHaveLength(1);
    expect(clusterProblems(latency, { chaosMesh: ['NetworkChaos'] })).toEqual([]);
    const local = experiment.safeParse({ ...latency, targets: ['local', 'k8s'], method: [{ fault: 'stress', target: { components: ['api'] }, cpu: { workers: 1 } }] });
    expect(local.success).toBe(false);
    expect(local.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(["method.0.fault: a stress fault is Chaos Mesh's StressChaos, cluster only: targets [k8s]"]);
    const empty = experiment.safeParse({ ...latency, method: [{ fault: 'stress', target: { components: ['api'] } }] });
    expect(empty.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['method.0.cpu: a stress fault needs cpu, memory or both']);
    const size = experiment.safeParse({ ...latency, method: [{ fault: 'stress', target: { components: ['api'] }, memory: { workers: 1, size: 'lots' } }] });
    expect(size.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['method.0.memory.size: a size such as 256MB or 50%']);
  });

  it('a one-way partition runs with Chaos Mesh (NetworkChaos direction), not with NetworkPolicies', () => {
    const f = { ...latency.method[0]!, toxic: { type: 'partition' }, direction: 'upstream' } as FaultSpec;
    expect(unsupportedInCluster(f)).toMatch(/direction must be both/);
    expect(unsupportedInCluster(f, { chaosMesh: true })).toBeUndefined();
  });
});
