// The network flows the lab needs, derived from its manifests: the Services each pod is configured to reach (host:port
// and URLs in its env, its ConfigMaps and Secrets, its mounted files), Prometheus's scrapes, the gateway's routes,
// the sidecars' istiod, the API server for pods with RBAC, and DNS for every pod.
import type { K8sObject } from '../lib';
import { podTemplates } from '../lib';
import { API_SERVER_PORTS, type Endpoint, type Flow, selects } from './network-policy';

interface ServicePort {
  port: number;
  targetPort?: number | string;
  protocol?: 'TCP' | 'UDP';
}

interface Service {
  name: string;
  namespace: string;
  selector: Record<string, string>;
  ports: ServicePort[];
}

/** The Services of the render, plus the gateway's (Istio's chart, installed by the Tiltfile). */
function services(objects: K8sObject[]): Service[] {
  const out: Service[] = objects
    .filter((o) => o.kind === 'Service')
    .map((o) => ({
      name: o.metadata.name,
      namespace: o.metadata.namespace ?? 'fleetlab',
      selector: o.spec?.selector ?? {},
      ports: o.spec?.ports ?? [],
    }));
  out.push({ name: 'istio-ingressgateway', namespace: 'istio-system', selector: { istio: 'ingressgateway' }, ports: [{ port: 80, targetPort: 80 }] });
  return out;
}

const decode = (value: string): string => Buffer.from(value, 'base64').toString('utf8');

/** Every string a pod template is configured with: env, envFrom, args, command, mounted ConfigMaps and Secrets. */
function configuredText(spec: K8sObject['spec'], namespace: string, objects: K8sObject[]): string[] {
  const find = (kind: string, name: string): K8sObject | undefined =>
    objects.find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? 'fleetlab') === namespace);
  const dataOf = (kind: 'ConfigMap' | 'Secret', name: string): string[] => {
    const o = find(kind, name);
    if (!o) return [];
    const data = Object.values((o.data ?? {}) as Record<string, string>);
    return kind === 'Secret' ? [...data.map(decode), ...Object.values((o.stringData ?? {}) as Record<string, string>)] : data;
  };
  const out: string[] = [];
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    out.push(...(c.command ?? []), ...(c.args ?? []));
    for (const e of c.env ?? []) {
      if (typeof e.value === 'string') out.push(e.value);
      if (e.valueFrom?.configMapKeyRef) out.push(find('ConfigMap', e.valueFrom.configMapKeyRef.name)?.data?.[e.valueFrom.configMapKeyRef.key] ?? '');
      if (e.valueFrom?.secretKeyRef) out.push(decode(find('Secret', e.valueFrom.secretKeyRef.name)?.data?.[e.valueFrom.secretKeyRef.key] ?? ''));
    }
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef) out.push(...dataOf('ConfigMap', e.configMapRef.name));
      if (e.secretRef) out.push(...dataOf('Secret', e.secretRef.name));
    }
  }
  // Mounted files: when a command names some of a volume's files (`sh /setup/connect-setup.sh`), those are what the
  // container reads; otherwise the program reads the folder (Grafana's provisioning), so every file counts.
  const commands = [...(spec.containers ?? []), ...(spec.initContainers ?? [])]
    .flatMap((c) => [...(c.command ?? []), ...(c.args ?? [])])
    .join(' ');
  const mountsOf = (volume: string): string[] =>
    [...(spec.containers ?? []), ...(spec.initContainers ?? [])].flatMap((c) =>
      (c.volumeMounts ?? []).filter((m: { name: string }) => m.name === volume).map((m: { mountPath: string }) => m.mountPath),
    );
  const files = (volume: string, kind: 'ConfigMap' | 'Secret', name: string): string[] => {
    const o = find(kind, name);
    if (!o) return [];
    const entries = Object.entries((o.data ?? {}) as Record<string, string>).map(
      ([k, v]) => [k, kind === 'Secret' ? decode(v) : v] as const,
    );
    const named = entries.filter(([k]) => mountsOf(volume).some((m) => commands.includes(`${m.replace(/\/$/, '')}/${k}`)));
    return (named.length > 0 ? named : entries).map(([, v]) => v);
  };
  for (const v of spec.volumes ?? []) {
    if (v.configMap) out.push(...files(v.name, 'ConfigMap', v.configMap.name));
    if (v.secret) out.push(...files(v.name, 'Secret', v.secret.secretName));
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap) out.push(...files(v.name, 'ConfigMap', s.configMap.name));
      if (s.secret) out.push(...files(v.name, 'Secret', s.secret.name));
    }
  }
  return out;
}

export interface Reference {
  service: Service;
  port: number;
  text: string;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Host references to a Service in a text: `name[.ns[.svc[.cluster.local]]]:port` anywhere a host can start, or a URL
 * `scheme://name…` without a port (the scheme's default). A port the Service does not expose is returned too (port -1
 * marks it), so a typo fails the test rather than vanishing.
 */
export function references(text: string, all: Service[]): Reference[] {
  const out: Reference[] = [];
  for (const s of all) {
    const host = `${escape(s.name)}(?:\\.${escape(s.namespace)}(?:\\.svc(?:\\.cluster\\.local)?)?)?`;
    const re = new RegExp(`(?:^|[\\s"'=,\\[(@]|(\\w+)://)${host}(?::(\\d+))?(?=$|[/\\s"',\\])?#])`, 'gm');
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const scheme = m[1];
      const explicit = m[2];
      if (!explicit && !scheme) continue; // a bare word, not an address
      const port = explicit ? Number(explicit) : scheme === 'https' ? 443 : 80;
      const exposed = s.ports.some((p) => p.port === port);
      out.push({ service: s, port: exposed ? port : -1, text: m[0].trim() });
    }
  }
  return out;
}

/** The pods a Service port reaches, with the port number on each pod. */
function targets(s: Service, port: number, eps: Endpoint[]): { pod: Endpoint; port: number; protocol: 'TCP' | 'UDP' }[] {
  const sp = s.ports.find((p) => p.port === port);
  if (!sp || Object.keys(s.selector).length === 0) return [];
  return eps
    .filter((e) => e.namespace === s.namespace && selects({ matchLabels: s.selector }, e.labels))
    .flatMap((pod) => {
      const target = sp.targetPort ?? sp.port;
      const number = typeof target === 'number' ? target : pod.ports.find((p) => p.name === target)?.port;
      return number === undefined ? [] : [{ pod, port: number, protocol: sp.protocol ?? 'TCP' }];
    });
}

export interface NeededFlows {
  flows: Flow[];
  /** References to a port a Service does not expose, or to a Service that selects no pod: configuration errors. */
  dangling: string[];
}

/**
 * The flows the lab needs. `extraText` adds what pods outside the render are configured with (the Tiltfile's k6:
 * its BASE_URL and remote-write URL), by endpoint name.
 */
export function neededFlows(objects: K8sObject[], eps: Endpoint[], extraText: Record<string, string[]> = {}): NeededFlows {
  const all = services(objects);
  const flows: Flow[] = [];
  const dangling: string[] = [];
  const byName = (name: string): Endpoint | undefined => eps.find((e) => e.name === name);
  const add = (from: Endpoint, to: Endpoint, port: number, why: string, protocol: 'TCP' | 'UDP' = 'TCP'): void => {
    if (from !== to) flows.push({ from: from.name, to: to.name, port, protocol, why });
  };
  const pods = eps.filter((e) => e.namespace === 'fleetlab');
  const templates = podTemplates(objects);

  const fromText = (pod: Endpoint, texts: string[]): void => {
    for (const text of texts) {
      for (const ref of references(text, all)) {
        if (ref.port === -1) {
          dangling.push(`${pod.name}: "${ref.text}" names no port of Service ${ref.service.name}`);
          continue;
        }
        const reached = targets(ref.service, ref.port, eps);
        if (reached.length === 0) {
          // A Service of a component left out (kafka without data) is not a flow of this combination.
          if (eps.some((e) => e.namespace === ref.service.namespace && selects({ matchLabels: ref.service.selector }, e.labels))) {
            dangling.push(`${pod.name}: "${ref.text}" reaches no pod port`);
          }
          continue;
        }
        for (const t of reached) add(pod, t.pod, t.port, `configured: ${ref.text}`, t.protocol);
      }
    }
  };

  for (const t of templates) {
    const pod = eps.find((e) => e.labels === t.labels);
    if (!pod) continue;
    fromText(pod, configuredText(t.spec, pod.namespace ?? 'fleetlab', objects));
  }
  for (const [name, texts] of Object.entries(extraText)) {
    const pod = byName(name);
    if (pod) fromText(pod, texts);
  }

  // DNS: every pod, UDP and TCP.
  const dns = byName('kube-dns');
  for (const pod of pods) if (dns) for (const protocol of ['UDP', 'TCP'] as const) add(pod, dns, 53, 'DNS', protocol);

  // The API server: pods that mount a token and whose ServiceAccount is bound to a role.
  const bound = new Set<string>();
  for (const o of objects.filter((x) => x.kind === 'RoleBinding' || x.kind === 'ClusterRoleBinding')) {
    for (const s of o.subjects ?? []) if (s.kind === 'ServiceAccount') bound.add(`${s.namespace ?? o.metadata.namespace}/${s.name}`);
  }
  const apiServer = byName('kube-apiserver');
  for (const t of templates) {
    const pod = eps.find((e) => e.labels === t.labels);
    const sa = t.spec.serviceAccountName ?? 'default';
    const account = objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa);
    const mounted = t.spec.automountServiceAccountToken ?? account?.automountServiceAccountToken ?? true;
    if (pod && apiServer && mounted && bound.has(`${pod.namespace}/${sa}`)) {
      for (const port of API_SERVER_PORTS) add(pod, apiServer, port, `RBAC for ServiceAccount ${sa}`);
    }
  }

  // Prometheus: pods annotated prometheus.io/scrape on their prometheus.io/port; an injected pod is scraped on the
  // sidecar's merged endpoint (15020) whatever its annotations; Istio's own jobs when the config has them.
  const prometheus = byName('prometheus');
  if (prometheus) {
    for (const t of templates) {
      const pod = eps.find((e) => e.labels === t.labels);
      if (!pod || pod.namespace !== 'fleetlab') continue;
      const owner = objects.find((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}` === t.owner);
      const annotations: Record<string, string> = owner?.spec?.template?.metadata?.annotations ?? {};
      if (pod.meshed) add(prometheus, pod, 15020, 'scrape: the sidecar merges the app metrics');
      else if (annotations['prometheus.io/scrape'] === 'true') add(prometheus, pod, Number(annotations['prometheus.io/port']), 'scrape: prometheus.io/port');
    }
    const config = objects
      .filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('prometheus'))
      .flatMap((o) => Object.values((o.data ?? {}) as Record<string, string>))
      .join('\n');
    const meshOn = eps.some((e) => e.meshed);
    const istiod = byName('istiod');
    const gateway = byName('istio-ingressgateway');
    if (meshOn && istiod && /istiod;http-monitoring/.test(config)) add(prometheus, istiod, 15014, 'scrape job istiod');
    if (meshOn && gateway && /-envoy-prom/.test(config)) add(prometheus, gateway, 15090, 'scrape job envoy-stats');
  }

  // The mesh: every sidecar talks to istiod; the gateway reaches what the gateway-bound VirtualServices route to.
  const istiod = byName('istiod');
  for (const pod of pods) if (pod.meshed && istiod) add(pod, istiod, 15012, 'sidecar: xDS and certificates');
  const gateway = byName('istio-ingressgateway');
  if (gateway && eps.some((e) => e.meshed)) {
    for (const vs of objects.filter((o) => o.kind === 'VirtualService')) {
      const gateways: string[] = vs.spec?.gateways ?? [];
      if (!gateways.some((g) => g !== 'mesh')) continue;
      for (const route of vs.spec?.http ?? []) {
        for (const r of route.route ?? []) {
          const host = String(r.destination?.host ?? '').split('.')[0];
          const service = all.find((s) => s.name === host && s.namespace === (vs.metadata.namespace ?? 'fleetlab'));
          const port = r.destination?.port?.number ?? service?.ports[0]?.port;
          if (!service || port === undefined) {
            dangling.push(`VirtualService ${vs.metadata.name}: no Service ${r.destination?.host}`);
            continue;
          }
          for (const t of targets(service, port, eps)) add(gateway, t.pod, t.port, `VirtualService ${vs.metadata.name}`);
        }
      }
    }
  }

  const seen = new Set<string>();
  return {
    flows: flows.filter((f) => {
      const key = `${f.from} -> ${f.to}:${f.port}/${f.protocol}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
    dangling: [...new Set(dangling)],
  };
}
