// What each profile of the Kubernetes lab asks of a cluster: the requests and limits of every workload real Tilt
// deploys (its JSON, every flag combination), plus what the Tiltfile installs with Helm — istiod and the ingress
// gateway with the values it passes over the chart defaults of the pinned Istio module — and one Istio proxy per
// injected pod. Prints the table (docs/kubernetes-lab.md shows it) and holds the budgets: the full profile within
// 6 GiB of requested memory, the bare pipeline within 3 GiB.
import { beforeAll, describe, expect, it } from 'vitest';
import { chartValues, helmSets, valuesWith } from './istio-charts.js';
import { K8sObject, podTemplates } from './lib.js';
import { allFlagCombinations, commandOf, manifest, objectsOf, profileName, tiltfileResult } from './tilt.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** A Kubernetes quantity in bytes (memory) or cores (cpu). */
export function quantity(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(String(value));
  if (!m) throw new Error(`not a quantity: ${value}`);
  const units: Record<string, number> = {
    '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: MiB, Gi: GiB, Ti: 1024 * GiB,
  };
  if (!(m[2]! in units)) throw new Error(`unknown unit in ${value}`);
  return Number(m[1]) * units[m[2]!]!;
}

interface Resources { requests?: Record<string, string>; limits?: Record<string, string> }
interface Amount { reqMem: number; limMem: number; reqCpu: number; limCpu: number }
const zero = (): Amount => ({ reqMem: 0, limMem: 0, reqCpu: 0, limCpu: 0 });
const add = (a: Amount, b: Amount): Amount => ({ reqMem: a.reqMem + b.reqMem, limMem: a.limMem + b.limMem, reqCpu: a.reqCpu + b.reqCpu, limCpu: a.limCpu + b.limCpu });
const max = (a: Amount, b: Amount): Amount => ({ reqMem: Math.max(a.reqMem, b.reqMem), limMem: Math.max(a.limMem, b.limMem), reqCpu: Math.max(a.reqCpu, b.reqCpu), limCpu: Math.max(a.limCpu, b.limCpu) });
const times = (a: Amount, n: number): Amount => ({ reqMem: a.reqMem * n, limMem: a.limMem * n, reqCpu: a.reqCpu * n, limCpu: a.limCpu * n });
const amount = (r: Resources | undefined): Amount => ({
  reqMem: quantity(r?.requests?.memory), limMem: quantity(r?.limits?.memory), reqCpu: quantity(r?.requests?.cpu), limCpu: quantity(r?.limits?.cpu),
});

/** A pod's effective request and limit, as the scheduler counts it: its containers' sum, or its largest init container. */
function pod(spec: K8sObject['spec'], proxy: Resources | undefined): Amount {
  let containers = (spec.containers ?? []).map((c: { resources?: Resources }) => amount(c.resources)).reduce(add, zero());
  if (proxy) containers = add(containers, amount(proxy));
  const inits = (spec.initContainers ?? []).map((c: { resources?: Resources }) => amount(c.resources)).reduce(max, zero());
  return max(containers, inits);
}

export interface Footprint { groups: Record<string, Amount>; total: Amount; jobs: Amount; istio: Amount }

/** The footprint of one profile, by Tilt label (app, data, observability, mesh) plus Istio's Helm installs. */
export async function footprint(flags: string[]): Promise<Footprint> {
  const r = await tiltfileResult(flags);
  const mesh = !flags.includes('no-mesh');
  const objects = r.Manifests.flatMap(objectsOf);
  const injected = new Set(objects.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['istio-injection'] === 'enabled').map((o) => o.metadata.name));
  const istiod = mesh ? valuesWith('istiod', helmSets(commandOf(manifest(r, 'istiod')!))) : undefined;
  const proxy = (istiod?.global as { proxy?: { resources?: Resources } } | undefined)?.proxy?.resources;

  const groups: Record<string, Amount> = {};
  let jobs = zero();
  let proxies = zero();
  for (const m of r.Manifests) {
    const label = Object.keys(m.Labels ?? {})[0] ?? 'none';
    for (const o of objectsOf(m)) {
      for (const t of podTemplates([o])) {
        const sidecar = mesh && injected.has(o.metadata.namespace ?? '') && t.labels['sidecar.istio.io/inject'] !== 'false' ? proxy : undefined;
        const one = pod(t.spec, sidecar);
        if (o.kind === 'Job' || o.kind === 'CronJob') {
          jobs = add(jobs, one);
          continue;
        }
        const replicas = o.kind === 'Pod' ? 1 : (o.spec?.replicas ?? 1);
        groups[label] = add(groups[label] ?? zero(), times(one, replicas));
        if (sidecar) proxies = add(proxies, times(amount(sidecar), replicas));
      }
    }
  }
  if (mesh) {
    // What `helm upgrade --install` puts in istio-system: one istiod and one gateway pod (autoscaling starts at 1).
    const gateway = valuesWith('gateway', helmSets(commandOf(manifest(r, 'istio-ingressgateway')!)));
    groups['istio-system'] = add(amount(istiod!.resources as Resources), amount(gateway.resources as Resources));
  }
  return { groups, total: Object.values(groups).reduce(add, zero()), jobs, istio: add(groups['istio-system'] ?? zero(), proxies) };
}

const gib = (bytes: number) => (bytes / GiB).toFixed(2);
const cores = (n: number) => n.toFixed(2);

describe('footprint per profile (requests and limits of everything tilt up starts)', () => {
  const rows: { flags: string[]; f: Footprint }[] = [];
  beforeAll(async () => {
    // One load after another: each runs Tilt and kustomize.
    for (const flags of allFlagCombinations()) rows.push({ flags, f: await footprint(flags) });
  }, 600_000);

  it('prints the table', () => {
    const header = '| profile | memory requests (GiB) | memory limits (GiB) | CPU requests | CPU limits | of which Istio: istiod, gateway, proxies (req. GiB) | setup Jobs (req. GiB, transient) |';
    const lines = rows.map(({ flags, f }) =>
      `| \`${profileName(flags)}\` | ${gib(f.total.reqMem)} | ${gib(f.total.limMem)} | ${cores(f.total.reqCpu)} | ${cores(f.total.limCpu)} | ${gib(f.istio.reqMem)} | ${gib(f.jobs.reqMem)} |`);
    console.log([header, '|---|---|---|---|---|---|---|', ...lines].join('\n'));
    console.log('by label, defaults:', Object.entries(rows[0]!.f.groups).map(([k, v]) => `${k} ${gib(v.reqMem)}/${gib(v.limMem)} GiB`).join(', '));
    expect(lines).toHaveLength(16);
  }, 600_000);

  it('full profile (tilt up): at most 6 GiB of memory requests, and no profile more', () => {
    for (const { flags, f } of rows) expect(f.total.reqMem, profileName(flags)).toBeLessThanOrEqual(6 * GiB);
  }, 600_000);

  it('the bare pipeline (--no-mesh --no-elastic --no-observability): at most 3 GiB', () => {
    const bare = rows.filter(({ flags }) => ['no-mesh', 'no-elastic', 'no-observability'].every((x) => flags.includes(x)));
    expect(bare).toHaveLength(2);
    for (const { flags, f } of bare) expect(f.total.reqMem, profileName(flags)).toBeLessThanOrEqual(3 * GiB);
  }, 600_000);

  it('counts what the charts bring: istiod without our values would request 2 GiB alone (negative control)', () => {
    expect(quantity((chartValues('istiod').resources as Resources).requests!.memory)).toBe(2 * GiB);
    expect(quantity('256Mi')).toBe(256 * MiB);
    expect(quantity('100m')).toBeCloseTo(0.1);
  });
});
