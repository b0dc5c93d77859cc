// NetworkPolicies: for every combination of components, each flow the lab needs (derived from the manifests: the
// Services pods are configured to reach, scrapes, gateway routes, istiod, the API server, DNS) is allowed, and nothing
// else is — between fleetlab's pods, Istio's, CoreDNS, the API server and the internet. What a CNI then enforces needs
// a real cluster (docs/kubernetes-lab.md, "Security"); apiserver.test.ts checks the API server accepts the policies.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { neededFlows } from './kube/flows';
import { allowedFlows, endpoints, flowKey, type Endpoint, type Flow } from './kube/network-policy';
import { combinations, componentNames, parseObjects, REPO, render, type K8sObject } from './lib';

const label = (components: string[]): string => ['base', ...components].join('+');

/** The k6 pod of the Tiltfile's load buttons (`kubectl run` with these labels) and the URLs it is given. */
function k6(components: string[]): { pod: Endpoint; text: string[] } {
  const tiltfile = readFileSync(join(REPO, 'Tiltfile'), 'utf8');
  const load = /load_url = '([^']+)' if mesh else '([^']+)'/.exec(tiltfile);
  const remoteWrite = /'K6_PROMETHEUS_RW_SERVER_URL': '([^']+)'/.exec(tiltfile);
  if (!load || !remoteWrite) throw new Error("the Tiltfile's k6 URLs moved: update k6() in network-policy.test.ts");
  const text = [components.includes('istio') ? load[1]! : load[2]!];
  if (components.includes('observability')) text.push(remoteWrite[1]!);
  return {
    pod: {
      name: 'k6',
      namespace: 'fleetlab',
      labels: { 'app.kubernetes.io/name': 'k6', 'app.kubernetes.io/part-of': 'fleetlab', 'sidecar.istio.io/inject': 'false' },
      ip: '',
      ports: [],
    },
    text,
  };
}

function analyse(components: string[], objects: K8sObject[] = parseObjects(render(components))) {
  const { pod, text } = k6(components);
  const eps = endpoints(objects, [pod]);
  // Kafka Connect gets its sink's settings over REST from the connect-setup Job, not from its pod spec.
  const sink = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('pipeline-setup'))?.data?.['elasticsearch-sink.json'];
  const needed = neededFlows(objects, eps, { k6: text, ...(sink ? { connect: [sink] } : {}) });
  const allowed = allowedFlows(objects, eps, ['fleetlab']);
  const allowedKeys = new Set(allowed.map(flowKey));
  const neededKeys = new Set(needed.flows.map(flowKey));
  return {
    needed,
    missing: needed.flows.filter((f) => !allowedKeys.has(flowKey(f))).map((f) => `${flowKey(f)} (${f.why})`),
    extra: allowed.filter((f) => !neededKeys.has(flowKey(f))).map(flowKey),
  };
}

const has = (flows: Flow[], key: string): boolean => flows.some((f) => flowKey(f) === key);

describe('NetworkPolicies', () => {
  const all = combinations(componentNames());

  it.each(all.map((c) => [label(c), c] as const))('%s: every needed flow is allowed, nothing else', (_, components) => {
    const { needed, missing, extra } = analyse(components);
    expect(needed.dangling, 'references to no Service port').toEqual([]);
    expect(missing, 'needed but denied').toEqual([]);
    expect(extra, 'allowed but not needed').toEqual([]);
  });

  it('derives the flows the issue names from the manifests (everything on, with the mesh)', () => {
    const components = componentNames();
    const { needed } = analyse(components);
    const flows = needed.flows;
    console.log(`[network-policy] ${label(components)}: ${flows.length} flows\n${flows.map((f) => `  ${flowKey(f)}  (${f.why})`).join('\n')}`);
    for (const key of [
      'istio-ingressgateway -> web:8080/TCP',
      'istio-ingressgateway -> api:3000/TCP',
      'api -> kafka:9092/TCP',
      'simulator -> kafka:9092/TCP',
      'consumer -> kafka:9092/TCP',
      'consumer -> mongodb:27017/TCP',
      'api -> mongodb:27017/TCP',
      'simulator -> api:3000/TCP',
      'connect -> kafka:9092/TCP',
      'connect -> elasticsearch:9200/TCP',
      'kibana -> elasticsearch:9200/TCP',
      'prometheus -> api:15020/TCP',
      'api -> jaeger:4318/TCP',
      'grafana -> prometheus:9090/TCP',
      'api -> kube-dns:53/UDP',
      'api -> istiod:15012/TCP',
      'prometheus -> kube-apiserver:6443/TCP',
      'k6 -> istio-ingressgateway:80/TCP',
      'k6 -> prometheus:9090/TCP',
    ]) {
      expect(has(flows, key), key).toBe(true);
    }
    // Without the mesh: scrapes on the app's port, k6 straight to the api, no gateway, no istiod.
    const plain = analyse(['data', 'observability']).needed.flows;
    expect(has(plain, 'prometheus -> api:3000/TCP')).toBe(true);
    expect(has(plain, 'k6 -> api:3000/TCP')).toBe(true);
    expect(plain.some((f) => f.to === 'istiod' || f.from === 'istio-ingressgateway')).toBe(false);
    // Nothing reaches the internet, and nothing in fleetlab takes traffic from outside the lab's own peers.
    expect(flows.some((f) => f.to === 'internet' || f.from === 'internet')).toBe(false);
  });

  describe('negative controls: the check catches a missing allow, an open port and a typo', () => {
    const components = ['data', 'observability'];

    it('without the kafka policy, the services cannot reach Kafka', () => {
      const objects = parseObjects(render(components)).filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'kafka'));
      expect(analyse(components, objects).missing).toContain('api -> kafka:9092/TCP (configured: kafka:9092)');
    });

    it('an allow-all ingress policy opens flows nobody needs', () => {
      const objects = parseObjects(render(components));
      objects.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-all', namespace: 'fleetlab' },
        spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mongodb' } }, ingress: [{}] },
      });
      const { extra } = analyse(components, objects);
      expect(extra).toContain('istio-ingressgateway -> mongodb:27017/TCP');
      expect(extra).toContain('kube-dns -> mongodb:65000/TCP');
    });

    it('an address naming a port its Service does not expose is reported', () => {
      const objects = parseObjects(render(components));
      const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('fleetlab-config'))!;
      config.data.KAFKA_BROKERS = 'kafka:9093';
      expect(analyse(components, objects).needed.dangling).toContain('api: "kafka:9093" names no port of Service kafka');
    });
  });
});
