// House rules over the rendered manifests (docs: STYLE.md habit 10) and the wiring between objects: selectors,
// ports, config references and the mesh's routes, for every combination of components.
import { describe, expect, it } from 'vitest';
import { combinations, componentNames, id, type K8sObject, OWN_IMAGES, parseObjects, podTemplates, render } from './lib.js';

const combos = combinations(componentNames());
const label = (combo: string[]) => ['base', ...combo].join(' + ');
const everything = () => parseObjects(render(componentNames()));

/** Every distinct pod template over every combination (components patch the base's). */
function allPodTemplates() {
  const seen = new Map<string, ReturnType<typeof podTemplates>[number]>();
  for (const combo of combos) {
    for (const t of podTemplates(parseObjects(render(combo)))) seen.set(JSON.stringify(t), t);
  }
  return [...seen.values()];
}

type Container = any;
const containersOf = (spec: { containers?: Container[]; initContainers?: Container[] }) => [
  ...(spec.containers ?? []).map((c: Container) => ({ c, init: false })),
  ...(spec.initContainers ?? []).map((c: Container) => ({ c, init: true })),
];

describe('every container: non-root, read-only, no privilege escalation, probes, requests and limits, pinned image', () => {
  it('holds for every pod template of every combination', () => {
    const problems: string[] = [];
    for (const t of allPodTemplates()) {
      const pod = t.spec.securityContext ?? {};
      for (const { c, init } of containersOf(t.spec)) {
        const where = `${t.owner} ${init ? 'initContainer' : 'container'} ${c.name}`;
        const sc = c.securityContext ?? {};
        if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not true`);
        const uid = sc.runAsUser ?? pod.runAsUser;
        if (typeof uid !== 'number' || uid === 0) problems.push(`${where}: runAsUser must be set to a non-zero uid`);
        if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
        if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: capabilities.drop lacks ALL`);
        for (const kind of ['requests', 'limits']) {
          for (const resource of ['cpu', 'memory']) {
            if (!c.resources?.[kind]?.[resource]) problems.push(`${where}: no ${kind}.${resource}`);
          }
        }
        // Probes gate traffic and restarts of long-running containers; a Job's pod serves nothing and ends by itself,
        // and an init container runs before probes apply.
        if (!init && t.kind !== 'Job' && t.kind !== 'CronJob') {
          if (!c.livenessProbe) problems.push(`${where}: no livenessProbe`);
          if (!c.readinessProbe) problems.push(`${where}: no readinessProbe`);
        }
        const image: string = c.image ?? '';
        if (!init && c === t.spec.containers[0] && t.spec.enableServiceLinks !== false) {
          problems.push(`${t.owner}: enableServiceLinks is not false (KAFKA_PORT=tcp://… would be read as a setting)`);
        }
        const [repo, tag] = image.includes(':') ? [image.slice(0, image.lastIndexOf(':')), image.slice(image.lastIndexOf(':') + 1)] : [image, ''];
        if (!tag || tag === 'latest') problems.push(`${where}: image ${image} is not pinned to a version`);
        else if (!OWN_IMAGES.includes(repo) && !/^v?\d+(\.\d+)+(-[a-z0-9.]+)?$|^v?\d+\.\d+$/.test(tag)) {
          problems.push(`${where}: third-party image ${image} is not pinned to a version tag`);
        }
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('workloads carry the recommended app.kubernetes.io labels on object and pod template', () => {
    const problems: string[] = [];
    for (const o of everything()) {
      if (!['Deployment', 'Job'].includes(o.kind)) continue;
      for (const [where, labels] of [[id(o), o.metadata.labels], [`${id(o)} pod template`, o.spec.template.metadata.labels]] as const) {
        for (const key of ['name', 'instance', 'component', 'part-of', 'version']) {
          if (!labels?.[`app.kubernetes.io/${key}`]) problems.push(`${where}: no app.kubernetes.io/${key}`);
        }
      }
      if (o.spec.template.metadata.labels?.['app.kubernetes.io/name'] !== o.metadata.name) {
        problems.push(`${id(o)}: app.kubernetes.io/name must be the workload's name (one name everywhere)`);
      }
    }
    expect(problems).toEqual([]);
  }, 60_000);
});

describe('third-party settings that only fail at start', () => {
  it('Kafka\'s CLUSTER_ID is a Kafka Uuid (16 bytes, base64url), or storage formatting refuses it', () => {
    const kafka = parseObjects(render(['data'])).find((o) => o.kind === 'Deployment' && o.metadata.name === 'kafka')!;
    const clusterId = kafka.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'CLUSTER_ID').value;
    expect(clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(clusterId, 'base64url')).toHaveLength(16);
  }, 60_000);
});

/** Problems with references between objects of one render. */
function wiringProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const templates = podTemplates(objects);
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const names = (kind: string) => new Set(byKind(kind).map((o) => o.metadata.name));
  const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels[k] === v);

  for (const svc of byKind('Service')) {
    const selector = svc.spec.selector ?? {};
    const pods = templates.filter((t) => selects(selector, t.labels));
    if (Object.keys(selector).length === 0 || pods.length === 0) {
      problems.push(`${id(svc)}: selects no pod template in this render`);
      continue;
    }
    for (const port of svc.spec.ports) {
      if (typeof port.targetPort !== 'string') continue;
      const named = pods.some((t) => t.spec.containers.some((c: Container) => (c.ports ?? []).some((p: Container) => p.name === port.targetPort)));
      if (!named) problems.push(`${id(svc)}: targetPort ${port.targetPort} is no container port name of its pods`);
    }
  }

  const configMaps = names('ConfigMap');
  const secrets = names('Secret');
  const accounts = names('ServiceAccount');
  for (const t of templates) {
    if (t.spec.serviceAccountName && !accounts.has(t.spec.serviceAccountName)) {
      problems.push(`${t.owner}: service account ${t.spec.serviceAccountName} is not in the render`);
    }
    const refs: { kind: string; name: string; optional?: boolean }[] = [];
    for (const v of t.spec.volumes ?? []) {
      if (v.configMap) refs.push({ kind: 'ConfigMap', name: v.configMap.name, optional: v.configMap.optional });
      if (v.secret) refs.push({ kind: 'Secret', name: v.secret.secretName, optional: v.secret.optional });
      for (const s of v.projected?.sources ?? []) {
        if (s.configMap) refs.push({ kind: 'ConfigMap', name: s.configMap.name, optional: s.configMap.optional });
      }
    }
    for (const { c } of containersOf(t.spec)) {
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef) refs.push({ kind: 'ConfigMap', name: e.configMapRef.name, optional: e.configMapRef.optional });
        if (e.secretRef) refs.push({ kind: 'Secret', name: e.secretRef.name, optional: e.secretRef.optional });
      }
      const volumes = new Set((t.spec.volumes ?? []).map((v: Container) => v.name));
      for (const m of c.volumeMounts ?? []) {
        if (!volumes.has(m.name)) problems.push(`${t.owner} ${c.name}: mounts unknown volume ${m.name}`);
      }
    }
    for (const r of refs) {
      const known = r.kind === 'ConfigMap' ? configMaps : secrets;
      if (!r.optional && !known.has(r.name)) problems.push(`${t.owner}: ${r.kind} ${r.name} is not in the render`);
    }
  }

  // The mesh: every routed host is a Service of this render, on a port it has.
  const services = new Map(byKind('Service').map((s) => [s.metadata.name, s]));
  const serviceOf = (host: string) => services.get(host.split('.')[0]!);
  for (const vs of byKind('VirtualService')) {
    for (const route of vs.spec.http ?? []) {
      for (const r of route.route ?? []) {
        const svc = serviceOf(r.destination.host);
        if (!svc) problems.push(`${id(vs)} route ${route.name}: no Service for host ${r.destination.host}`);
        else if (r.destination.port && !svc.spec.ports.some((p: Container) => p.port === r.destination.port.number)) {
          problems.push(`${id(vs)} route ${route.name}: Service ${svc.metadata.name} has no port ${r.destination.port.number}`);
        }
      }
    }
    for (const gw of vs.spec.gateways ?? []) {
      if (gw !== 'mesh' && !names('Gateway').has(gw)) problems.push(`${id(vs)}: gateway ${gw} is not in the render`);
    }
  }
  for (const dr of byKind('DestinationRule')) {
    if (!serviceOf(dr.spec.host)) problems.push(`${id(dr)}: no Service for host ${dr.spec.host}`);
  }
  for (const ap of byKind('AuthorizationPolicy')) {
    const selector = ap.spec.selector?.matchLabels;
    if (selector && !templates.some((t) => selects(selector, t.labels))) problems.push(`${id(ap)}: selects no workload`);
    for (const rule of ap.spec.rules ?? []) {
      for (const to of rule.to ?? []) {
        for (const port of to.operation?.ports ?? []) {
          const pods = templates.filter((t) => !selector || selects(selector, t.labels));
          const has = pods.some((t) => t.spec.containers.some((c: Container) => (c.ports ?? []).some((p: Container) => String(p.containerPort) === port)));
          if (!has) problems.push(`${id(ap)}: port ${port} is no container port of the workloads it selects`);
        }
      }
    }
  }
  return problems;
}

describe('wiring between objects', () => {
  for (const combo of combos) {
    it(`every Service selects a pod, every reference resolves, every route has its port: ${label(combo)}`, () => {
      expect(wiringProblems(parseObjects(render(combo)))).toEqual([]);
    }, 60_000);
  }

  it('the authorization policies name service accounts that exist when everything is deployed', () => {
    const objects = everything();
    const accounts = new Set(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => `cluster.local/ns/fleetlab/sa/${o.metadata.name}`));
    const principals = objects
      .filter((o) => o.kind === 'AuthorizationPolicy')
      .flatMap((o) => (o.spec.rules ?? []).flatMap((r: Container) => (r.from ?? []).flatMap((f: Container) => f.source.principals ?? [])));
    // The ingress gateway's account comes from Istio's Helm chart (release istio-ingressgateway), not from this render.
    const missing = principals.filter((p: string) => p.startsWith('cluster.local/ns/fleetlab/') && !accounts.has(p));
    expect(principals.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  }, 60_000);

  it('a broken Service selector is caught (negative control)', () => {
    const objects = parseObjects(render([]));
    objects.find((o) => o.kind === 'Service' && o.metadata.name === 'api')!.spec.selector = { 'app.kubernetes.io/name': 'apii' };
    expect(wiringProblems(objects)).toContain('Service/fleetlab/api: selects no pod template in this render');
  }, 60_000);
});
