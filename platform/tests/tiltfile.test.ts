// The Tiltfile, loaded by real Tilt (`tilt alpha tiltfile-result`, Tilt built from platform/tools/tilt) for every
// combination of its flags, with no cluster: the tests assert on the JSON Tilt prints — resources, labels, links,
// port forwards, the k6 and chaos buttons, resource_deps, images with their build contexts and live updates, and the
// Kubernetes objects of each resource — and check what Tilt hands to other programs (the helm values for Istio's
// charts, the files each Dockerfile copies, the modules the k6 image provides) against those programs' own sources.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { contextFilter, copyTarget, parseDockerfile, trackedFiles } from './build-context.js';
import { helmSets, unknownKey } from './istio-charts.js';
import { K8sObject, REPO, id, podTemplates, render, parseObjects } from './lib.js';
import {
  FLAGS, TRIGGER_MODE_MANUAL, TiltfileResult, allFlagCombinations, commandOf, forwardsOf, linksOf, manifest,
  objectsOf, profileName, runTiltfileResult, serveCommandOf, tiltfileResult,
} from './tilt.js';

/** The k6 scenarios (loadtests/scenarios/<name>.ts): one Tilt button each. */
const SCENARIOS = readdirSync(join(REPO, 'loadtests', 'scenarios')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const LABELS = new Set(['app', 'data', 'mesh', 'observability', 'experiments', 'scenarios']);
/** The chaos experiments (chaos/experiments/<name>.yaml) and whether each runs in the cluster (`targets` has k8s). */
const CHAOS = readdirSync(join(REPO, 'chaos', 'experiments')).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({
  name: f.slice(0, -'.yaml'.length),
  k8s: ((parseYaml(readFileSync(join(REPO, 'chaos', 'experiments', f), 'utf8')) as { targets?: string[] }).targets ?? ['local']).includes('k8s'),
}));
/** The chaos buttons: one per experiment that runs in the cluster, then status and the kill switch. */
const CHAOS_BUTTONS = [...CHAOS.filter((e) => e.k8s).map((e) => `chaos-${e.name}`), 'chaos-status', 'chaos-reset'];
/**
 * The guided scenarios the cluster lab plays (chaos/scenarios/NN-name.yaml: load only, or an experiment whose targets
 * include k8s): one Tilt button each, and hint/status/stop.
 */
const GUIDED = readdirSync(join(REPO, 'chaos', 'scenarios'))
  .filter((f) => /^\d{2}-.+\.yaml$/.test(f))
  .filter((f) => {
    const experiment = (parseYaml(readFileSync(join(REPO, 'chaos', 'scenarios', f), 'utf8')) as { break: { experiment?: string } }).break.experiment;
    return !experiment || (parseYaml(readFileSync(join(REPO, 'chaos', 'experiments', `${experiment}.yaml`), 'utf8')) as { targets?: string[] }).targets?.includes('k8s');
  })
  .map((f) => f.slice(0, -5))
  .sort();
const GUIDED_BUTTONS = [...GUIDED.map((s) => `scenario-${s}`), 'scenario-status', 'scenario-hint', 'scenario-stop'];
const K6 = JSON.parse(readFileSync(join(REPO, 'loadtests', 'k6-modules.json'), 'utf8')) as {
  k6Version: string; modules: string[]; deprecatedModules: string[]; removedModules: string[]; prometheusRemoteWriteEnv: string[];
};

const has = (flags: string[], flag: (typeof FLAGS)[number]) => flags.includes(flag);
const exists = (p: string) => existsSync(join(REPO, p));

/** Resources Tilt made, by kind. */
function names(r: TiltfileResult) {
  const all = r.Manifests.map((m) => m.Name);
  const local = r.Manifests.filter((m) => m.DeployTarget.UpdateCmdSpec !== undefined || m.DeployTarget.ServeCmd !== undefined).map((m) => m.Name);
  return { all, local, k8s: r.Manifests.filter((m) => m.DeployTarget.yaml !== undefined).map((m) => m.Name) };
}

/** Problems of a loaded Tiltfile that Tilt itself accepts: the contract the lab relies on. */
function problems(r: TiltfileResult): string[] {
  const out: string[] = [];
  const all = new Set(r.Manifests.map((m) => m.Name));
  if (all.has('uncategorized')) out.push(`objects of no resource (Tilt's "uncategorized"): ${objectsOf(manifest(r, 'uncategorized')!).map(id).join(', ')}`);
  for (const m of r.Manifests) {
    const labels = Object.keys(m.Labels ?? {});
    if (labels.length !== 1 || !LABELS.has(labels[0]!)) out.push(`${m.Name}: labels ${JSON.stringify(labels)} (one of ${[...LABELS].join(', ')})`);
    for (const dep of m.ResourceDependencies ?? []) if (!all.has(dep)) out.push(`${m.Name}: resource_deps names unknown resource ${dep}`);
    // Files named in commands (the render script, the k6 bundles and thresholds, …) exist.
    const text = `${commandOf(m)} ${serveCommandOf(m)}`;
    for (const path of text.match(/\b(?:platform|services|dashboards|web|docs|loadtests)\/[\w./-]+/g) ?? []) {
      if (!exists(path)) out.push(`${m.Name} command: ${path} does not exist${path.startsWith('loadtests/dist/') ? ' (run `npm run build`)' : ''}`);
    }
  }
  out.push(...contextProblems(r));
  return out;
}

/**
 * Every file a Dockerfile COPYs from its context survives the context Tilt sends (only=, ignore= and .dockerignore as
 * Tilt reports them): a file source must be there, and of a folder every tracked file but docs, tests and benchmarks.
 * Every live update sync's local path is in the context too (Tilt watches nothing else).
 */
function contextProblems(r: TiltfileResult): string[] {
  const out: string[] = [];
  for (const m of r.Manifests) {
    for (const image of m.ImageTargets ?? []) {
      const ref = image.selector;
      const { context, contextIgnores = [], dockerfileContents = '' } = image.BuildDetails;
      if (!context || !existsSync(context)) {
        out.push(`docker_build ${ref}: context ${context} does not exist`);
        continue;
      }
      const inContext = contextFilter(context, contextIgnores);
      const dockerfile = parseDockerfile(dockerfileContents);
      for (const copy of dockerfile.copies.filter((c) => !c.from)) {
        for (const source of copy.sources) {
          const path = join(context, source);
          const files = trackedFiles(REPO, relative(REPO, path));
          if (files.length === 0) out.push(`docker_build ${ref}: COPY ${source}: nothing tracked there`);
          // Docs, tests and benchmarks never go into an image: a context may leave them out.
          const missing = files.filter((f) => !/\.md$|(^|\/)(test|e2e|bench)\//.test(f) && !inContext(join(REPO, f)));
          if (missing.length > 0) out.push(`docker_build ${ref}: COPY ${source}: ${missing.slice(0, 5).join(', ')} left out of the context`);
        }
      }
      for (const sync of image.LiveUpdateSpec.syncs ?? []) {
        const local = join(image.LiveUpdateSpec.basePath, sync.localPath);
        if (!inContext(local)) out.push(`docker_build ${ref}: live update source ${relative(REPO, local)} is outside the context`);
      }
    }
  }
  return out;
}

/**
 * Live update syncs land where the running container can take them: on a writable volume of the container that runs
 * the image (the root filesystem is read-only), and a dist/ that is seeded from the image is one the image has.
 */
function liveUpdateProblems(r: TiltfileResult): string[] {
  const out: string[] = [];
  for (const m of r.Manifests) {
    for (const image of m.ImageTargets ?? []) {
      const ref = image.selector;
      const dockerfile = parseDockerfile(image.BuildDetails.dockerfileContents ?? '');
      const final = dockerfile.stages.length - 1;
      const inImage = dockerfile.copies.filter((c) => c.stage === final).flatMap((c) => c.sources.map((s) => copyTarget(c, s)));
      const templates = podTemplates(objectsOf(m));
      const containers = templates.flatMap((t) => (t.spec.containers ?? []).filter((c: { image: string }) => c.image.split(':')[0] === ref)
        .map((c: K8sObject['spec']) => ({ c, t })));
      if (containers.length === 0 && (image.LiveUpdateSpec.syncs ?? []).length > 0) out.push(`${ref}: live update, but no container of ${m.Name} runs it`);
      for (const sync of image.LiveUpdateSpec.syncs ?? []) {
        for (const { c, t } of containers) {
          const mount = (c.volumeMounts ?? []).find((v: { mountPath: string }) => sync.containerPath === v.mountPath || sync.containerPath.startsWith(`${v.mountPath}/`));
          const volume = mount && (t.spec.volumes ?? []).find((v: { name: string }) => v.name === mount.name);
          const rootWritable = c.securityContext?.readOnlyRootFilesystem !== true;
          if (!rootWritable && !(mount && !mount.readOnly && volume?.emptyDir)) {
            out.push(`${ref}: live update syncs into ${sync.containerPath}, which is on the read-only root filesystem (no writable volume there)`);
          }
          // An init container seeding the volume from the image copies a path the image must have.
          for (const init of t.spec.initContainers ?? []) {
            const seeded = (init.command ?? []).find((a: string) => a.startsWith('/') && a.endsWith('/.'));
            if (init.image.split(':')[0] === ref && seeded && (init.volumeMounts ?? []).some((v: { name: string }) => v.name === mount?.name)) {
              const from = seeded.slice(0, -2);
              if (!inImage.some((p) => p === from || from.startsWith(`${p}/`))) out.push(`${ref}: ${init.name} seeds ${sync.containerPath} from ${from}, which the image does not have`);
            }
          }
        }
      }
    }
  }
  return out;
}

describe('Tiltfile, loaded by real Tilt', () => {
  for (const flags of allFlagCombinations()) {
    it(`tilt up ${profileName(flags)}: loads, and resources, labels, deps, objects, images and live updates hold together`, async () => {
      const r = await tiltfileResult(flags);
      expect(problems(r)).toEqual([]);
      expect(liveUpdateProblems(r)).toEqual([]);
      const mesh = !has(flags, 'no-mesh');
      const elastic = !has(flags, 'no-elastic');
      const observability = !has(flags, 'no-observability');
      const live = !has(flags, 'no-live-update');
      const { all, local, k8s } = names(r);

      // Which resources exist for which flags.
      const expected = [
        'fleetlab-config', 'kafka', 'mongodb', 'api', 'simulator', 'consumer', 'web',
        ...(mesh ? ['istio-base', 'istio-cni', 'istiod', 'istio-ingressgateway', 'mesh-policies'] : []),
        ...(observability ? ['jaeger', 'prometheus', 'grafana', 'kiali'] : []),
        ...(elastic ? ['elasticsearch', 'kibana', 'connect', 'connect-setup', 'kibana-setup'] : []),
        ...(live ? ['tsc-watch'] : []),
        ...SCENARIOS.map((s) => `k6-${s}`), 'fleet-100', 'chaos-kill-consumer', 'chaos-kill-api',
        ...CHAOS_BUTTONS,
        ...GUIDED_BUTTONS,
      ];
      expect([...all].sort()).toEqual([...expected].sort());
      expect(new Set(all).size).toBe(all.length);

      // The render script was run with the components the flags leave in (ConfigFiles lists what Tilt watches).
      const objects = r.Manifests.flatMap(objectsOf);
      const has_ = (kind: string, name: string) => objects.some((o) => o.kind === kind && o.metadata.name === name);
      expect(has_('Deployment', 'elasticsearch') || has_('StatefulSet', 'elasticsearch')).toBe(elastic);
      expect(objects.some((o) => o.kind === 'VirtualService')).toBe(mesh);
      expect(has_('Deployment', 'prometheus')).toBe(observability);
      expect(objects.some((o) => o.spec?.template?.spec?.initContainers?.some((c: { name: string }) => c.name === 'seed-dist'))).toBe(live);

      // Every object Tilt applies belongs to exactly one resource.
      const ids = objects.map(id);
      expect(ids.filter((x, i) => ids.indexOf(x) !== i)).toEqual([]);

      // Images: one per own workload, built from their Dockerfiles; live update only with the dev component.
      const images = r.Manifests.flatMap((m) => (m.ImageTargets ?? []).map((i) => ({ resource: m.Name, ref: i.selector, i })));
      expect(images.map((i) => `${i.resource}:${i.ref}`).sort()).toEqual(
        ['api', 'simulator', 'consumer', 'web', ...(elastic ? ['connect'] : [])].map((n) => `${n}:${n}`).sort(),
      );
      for (const { ref, i } of images) {
        const syncs = (i.LiveUpdateSpec.syncs ?? []).map((s) => `${relative(REPO, join(i.LiveUpdateSpec.basePath, s.localPath))} -> ${s.containerPath}`);
        if (live && ['api', 'simulator', 'consumer'].includes(ref)) {
          expect(syncs).toEqual([`services/${ref}/dist -> /app/services/${ref}/dist`, `services/${ref}/src -> /app/services/${ref}/src`]);
        } else {
          expect(syncs).toEqual([]);
        }
      }
      // k8s resources carry their own objects; local resources run commands.
      for (const name of ['api', 'kafka', 'mongodb']) expect(k8s).toContain(name);
      for (const name of ['fleet-100', ...SCENARIOS.map((s) => `k6-${s}`)]) expect(local).toContain(name);
    }, 120_000);
  }

  it('puts the generated ConfigMaps and Secret with the resources that need them first (exact names, hash included)', async () => {
    const r = await tiltfileResult([]);
    const kinds = (name: string) => objectsOf(manifest(r, name)!)
      .map((o) => `${o.kind}/${['ConfigMap', 'Secret'].includes(o.kind) ? o.metadata.name.replace(/-[a-z0-9]{10}$/, '-<hash>') : o.metadata.name}`).sort();
    // The namespace's NetworkPolicies come with it, before any workload: every one the render holds, and nothing else.
    const rendered = r.Manifests.flatMap(objectsOf).filter((o) => o.kind === 'NetworkPolicy').map((o) => `NetworkPolicy/${o.metadata.name}`);
    expect(rendered).toContain('NetworkPolicy/default-deny');
    expect(kinds('fleetlab-config')).toEqual([
      'ConfigMap/fleetlab-config-<hash>', 'ConfigMap/web-config-<hash>', 'ConfigMap/web-nginx-<hash>', 'Namespace/fleetlab', ...rendered,
      'Secret/fleetlab-secrets-<hash>',
    ].sort());
    expect(kinds('prometheus')).toEqual(expect.arrayContaining(['ConfigMap/prometheus-<hash>', 'ClusterRole/fleetlab-prometheus', 'Deployment/prometheus']));
    expect(kinds('grafana')).toEqual(expect.arrayContaining(['ConfigMap/grafana-provisioning-<hash>', 'ConfigMap/grafana-dashboards-<hash>', 'ConfigMap/grafana-dashboards-repo']));
    // Pods wait for their config: every resource that mounts fleetlab-config depends on the resource that applies it.
    for (const name of ['kafka', 'mongodb', 'jaeger', 'prometheus', 'elasticsearch']) expect(manifest(r, name)!.ResourceDependencies).toContain('fleetlab-config');
  }, 120_000);

  it('with the defaults, links every UI: map, API docs, Grafana, Kiali, Jaeger, Prometheus, Kibana', async () => {
    const r = await tiltfileResult([]);
    const links = r.Manifests.flatMap((m) => linksOf(m).map((l) => `${m.Name} ${l.name} ${l.url}`));
    const forwards = r.Manifests.flatMap((m) => forwardsOf(m).map((f) => `${m.Name} ${f.name} ${f.localPort ?? f.containerPort}:${f.containerPort}${f.path ? `/${f.path.replace(/^\//, '')}` : ''}`));
    expect(links).toEqual(expect.arrayContaining([
      'istio-ingressgateway map (through the gateway) http://localhost:8080/',
      'istio-ingressgateway API docs (through the gateway) http://localhost:8080/docs',
      'api API docs http://localhost:3000/docs',
      'grafana fleetlab overview http://localhost:3300/d/fleetlab-overview/fleetlab-overview',
      'kibana trips dashboard http://localhost:5601/app/dashboards',
    ]));
    expect(forwards.sort()).toEqual([
      'api api 3000:3000', 'connect Kafka Connect 8083:8083/connectors', 'grafana Grafana 3300:3000', 'jaeger Jaeger 16686:16686',
      'kiali Kiali 20001:20001/kiali', 'kibana Kibana 5601:5601', 'prometheus Prometheus 9090:9090',
    ]);
    // The gateway's port-forward is a serve_cmd that comes back when the pod restarts.
    expect(serveCommandOf(manifest(r, 'istio-ingressgateway')!)).toMatch(/while true; do kubectl -n istio-system port-forward svc\/istio-ingressgateway 8080:80/);
    // Without the mesh, web is forwarded directly.
    const bare = await tiltfileResult(['no-mesh']);
    expect(forwardsOf(manifest(bare, 'web')!)).toEqual([expect.objectContaining({ localPort: 8080, containerPort: 8080, name: 'map' })]);
  }, 120_000);

  it('installs Istio from pinned Helm charts in order, with values the charts of the pinned Istio module know', async () => {
    const r = await tiltfileResult([]);
    const cmd = (name: string) => commandOf(manifest(r, name)!);
    expect(cmd('istio-base')).toMatch(/helm upgrade --install istio-base base .*--version \d+\.\d+\.\d+/);
    expect(manifest(r, 'istio-cni')!.ResourceDependencies).toEqual(['istio-base']);
    expect(manifest(r, 'istiod')!.ResourceDependencies).toEqual(['istio-cni']);
    expect(manifest(r, 'istio-ingressgateway')!.ResourceDependencies).toEqual(['istiod']);
    expect(manifest(r, 'fleetlab-config')!.ResourceDependencies).toEqual(['istiod']);
    const charts = { 'istio-base': 'base', 'istio-cni': 'cni', istiod: 'istiod', 'istio-ingressgateway': 'gateway' } as const;
    const unknown: string[] = [];
    for (const [resource, chart] of Object.entries(charts)) {
      for (const key of Object.keys(helmSets(cmd(resource)))) {
        const why = unknownKey(chart, key);
        if (why) unknown.push(`${resource}: --set ${why}`);
      }
    }
    expect(unknown).toEqual([]);
    const istiod = helmSets(cmd('istiod'));
    // istiod's own request is small (the chart's default is 500m and 2 GiB), and apps wait for their proxy.
    expect(istiod).toMatchObject({ 'resources.requests.memory': '256Mi', 'meshConfig.defaultConfig.holdApplicationUntilProxyStarts': 'true' });
    // Sidecars without a NET_ADMIN init container, so meshed pods pass the namespace's `restricted` Pod Security.
    expect(istiod).toMatchObject({ 'cni.enabled': 'true' });
    expect(cmd('istio-cni')).toMatch(/helm upgrade --install istio-cni cni .*--namespace istio-system/);
  }, 120_000);

  it("refuses a helm key the chart doesn't have (negative control: pilot.resources of older charts)", async () => {
    expect(unknownKey('istiod', 'pilot.resources.requests.memory')).toMatch(/pilot is not a value of Istio's istiod chart/);
    expect(unknownKey('istiod', 'meshConfig.defaultConfig.holdApplicationUntilProxyStart')).toMatch(/ProxyConfig has no field holdApplicationUntilProxyStart$/);
    expect(unknownKey('gateway', 'service.type')).toBeUndefined();
  });

  it("runs the add-ons of the installed Istio release's samples/addons (platform/components/observability/istio-addons.json)", async () => {
    const addons = JSON.parse(readFileSync(join(REPO, 'platform', 'components', 'observability', 'istio-addons.json'), 'utf8')) as {
      istioVersion: string; images: Record<string, string>;
    };
    const r = await tiltfileResult([]);
    // The list belongs to the release the Tiltfile installs.
    for (const name of ['istio-base', 'istio-cni', 'istiod', 'istio-ingressgateway']) expect(commandOf(manifest(r, name)!)).toContain(`--version ${addons.istioVersion} `);
    for (const [name, image] of Object.entries(addons.images)) {
      const images = podTemplates(objectsOf(manifest(r, name)!)).flatMap((t) => t.spec.containers.map((c: { image: string }) => c.image));
      expect(images, name).toEqual([image]);
    }
  }, 120_000);

  describe('scenario buttons', () => {
    for (const flags of [[], ['no-observability']]) {
      it(`one per scenario the cluster plays and hint/status/stop, manual, each running the scenario CLI against the cluster${flags.length ? ` (--${flags[0]})` : ''}`, async () => {
        const observability = flags.length === 0;
        const r = await tiltfileResult(flags);
        const buttons = r.Manifests.filter((m) => m.Name.startsWith('scenario-'));
        expect(buttons.map((m) => m.Name).sort()).toEqual([...GUIDED_BUTTONS].sort());
        // The course has 13; the cluster plays the ten whose break its driver can make (docs/scenarios.md).
        expect(GUIDED).toHaveLength(10);
        for (const m of buttons) {
          expect(m.TriggerMode, m.Name).toBe(TRIGGER_MODE_MANUAL);
          expect(m.Labels).toEqual({ scenarios: 'scenarios' });
          const action = m.Name.slice('scenario-'.length);
          const number = /^(\d{2})-/.exec(action)?.[1];
          const skip = observability ? '' : " --skip-probes 'no Prometheus in this profile (tilt up -- --no-observability)'";
          expect(commandOf(m)).toBe(number ? `npm run --silent scenario -- start ${number} --target k8s${skip}` : `npm run --silent scenario -- ${action} --target k8s`);
          expect(m.ResourceDependencies ?? []).toEqual(number ? ['api', ...(observability ? ['prometheus', 'jaeger'] : [])] : []);
        }
      }, 120_000);
    }

    it('the scenario script is the scenario CLI', () => {
      // The command each button runs is the root package.json's script, and every number is a scenario the CLI knows.
      const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      expect(pkg.scripts.scenario).toMatch(/node chaos\/dist\/scenario-cli\.js$/);
    });
  });

  describe('k6 buttons', () => {
    /** The pod spec a button's `kubectl run --overrides='…'` runs. */
    function k6Pod(cmd: string): { metadata: { labels: Record<string, string> }; spec: K8sObject['spec'] } {
      const json = /--overrides='([^']+)'/.exec(cmd)?.[1];
      expect(json, cmd).toBeDefined();
      return JSON.parse(json!);
    }
    const env = (container: { env: { name: string; value: string }[] }) => Object.fromEntries(container.env.map((e) => [e.name, e.value]));

    for (const flags of [[], ['no-mesh'], ['no-observability']]) {
      it(`one per scenario, each running its bundle in the pinned k6 image${flags.length ? ` (--${flags[0]})` : ''}`, async () => {
        const r = await tiltfileResult(flags);
        const buttons = r.Manifests.filter((m) => m.Name.startsWith('k6-'));
        expect(buttons.map((m) => m.Name)).toEqual(SCENARIOS.map((s) => `k6-${s}`));
        const observability = !flags.includes('no-observability');
        for (const [i, button] of buttons.entries()) {
          const scenario = SCENARIOS[i]!;
          const name = `k6-${scenario}`;
          const cmd = commandOf(button);
          // Manual only: `tilt up` and `tilt ci` never run a load test by themselves.
          expect(button.TriggerMode).toBe(TRIGGER_MODE_MANUAL);
          expect(button.Labels).toEqual({ experiments: 'experiments' });
          // Bundled first, then handed over as the ConfigMap the pod mounts.
          expect(cmd).toMatch(/^npm run --silent bundle -w loadtests && /);
          expect(cmd).toContain(`kubectl -n fleetlab create configmap ${name} --from-file=loadtests/dist/${scenario}.js --from-file=dashboards/generated/slo-thresholds.json`);
          expect(exists(`loadtests/dist/${scenario}.js`), `loadtests/dist/${scenario}.js: run npm run build`).toBe(true);
          expect(cmd).toContain(`kubectl -n fleetlab run ${name} --rm --attach --restart=Never`);

          const pod = k6Pod(cmd);
          expect(pod.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'k6', 'sidecar.istio.io/inject': 'false' });
          expect(pod.spec.volumes).toContainEqual({ name: 'scripts', configMap: { name } });
          const [container, ...others] = pod.spec.containers;
          expect(others).toEqual([]);
          expect(container.name).toBe(name);
          expect(container.image).toBe(`grafana/k6:${K6.k6Version}`);
          expect(cmd).toContain(`--image=${container.image}`);
          expect(container.args.at(-1)).toBe(`/scripts/${scenario}.js`);
          expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
          expect(container.resources.limits).toBeDefined();
          const vars = env(container);
          expect(vars).toMatchObject({ PROFILE: 'smoke', SLO_FILE: '/scripts/slo-thresholds.json' });
          expect(vars.BASE_URL).toBe(flags.includes('no-mesh') ? 'http://api.fleetlab:3000' : 'http://istio-ingressgateway.istio-system');
          // Every K6_* variable is one the pinned k6's remote-write output reads.
          for (const v of Object.keys(vars).filter((k) => k.startsWith('K6_PROMETHEUS_RW_'))) expect(K6.prometheusRemoteWriteEnv).toContain(v);

          // Results into Prometheus (and Grafana's k6 dashboard) when there is one; the log only without.
          expect(container.args.includes('experimental-prometheus-rw')).toBe(observability);
          if (observability) {
            expect(container.args.slice(0, 3)).toEqual(['run', '--out', 'experimental-prometheus-rw']);
            expect(vars).toMatchObject({ K6_PROMETHEUS_RW_SERVER_URL: 'http://prometheus.fleetlab:9090/api/v1/write', K6_PROMETHEUS_RW_TREND_STATS: 'p(50),p(95),p(99)' });
            expect(button.ResourceDependencies).toEqual(['api', 'prometheus']);
            expect(linksOf(button).map((l) => l.url)).toEqual(['http://localhost:3300/d/fleetlab-k6/fleetlab-k6']);
          } else {
            expect(Object.keys(vars).filter((k) => k.startsWith('K6_PROMETHEUS'))).toEqual([]);
            expect(button.ResourceDependencies).toEqual(['api']);
          }
        }
      }, 120_000);
    }

    it('take the load profile from --k6-profile', async () => {
      const r = await tiltfileResult(['k6-profile=average']);
      const buttons = r.Manifests.filter((m) => m.Name.startsWith('k6-'));
      expect(buttons).toHaveLength(SCENARIOS.length);
      for (const m of buttons) expect(env(k6Pod(commandOf(m)).spec.containers[0]).PROFILE).toBe('average');
    }, 120_000);

    it("import only modules the pinned k6 has built in (loadtests/k6-modules.json, from k6's source at that tag)", async () => {
      expect(k6ImportProblems(K6.modules)).toEqual([]);
      // k6 1.0 had no k6/websockets (scenario 03's WebSocket): the check would have refused it.
      expect(k6ImportProblems(K6.modules.filter((m) => m !== 'k6/websockets')).join('\n')).toMatch(/03-fleet-and-watch.*k6\/websockets/);
    });

    it('gate on the api\'s readiness: through the gateway, /readyz reaches the api and not web\'s SPA fallback', async () => {
      // The gate (loadtests/lib/k6/env.ts) asks `${BASE_URL}/readyz`.
      expect(readFileSync(join(REPO, 'loadtests', 'lib', 'k6', 'env.ts'), 'utf8')).toContain('http.get(`${BASE_URL}/readyz`');
      const objects = parseObjects(render(['data', 'istio']));
      expect(gatewayDestination(objects, '/readyz')).toBe('api.fleetlab.svc.cluster.local:3000');
      expect(gatewayDestination(objects, '/trips')).toBe('api.fleetlab.svc.cluster.local:3000');
      expect(gatewayDestination(objects, '/')).toBe('web.fleetlab.svc.cluster.local:8080');
      // And the api lets the gateway ask it.
      const policy = objects.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'api-from-ingress')!;
      const ops = policy.spec.rules.flatMap((rule: { to: { operation: { notPaths?: string[]; paths?: string[] } }[] }) => rule.to.map((t) => t.operation));
      expect(ops.some((op: { notPaths?: string[]; paths?: string[] }) => !(op.notPaths ?? []).includes('/readyz') && (!op.paths || op.paths.includes('/readyz')))).toBe(true);
      // Without the mesh the buttons talk to the api's Service itself.
      const bare = await tiltfileResult(['no-mesh']);
      expect(env(k6Pod(commandOf(manifest(bare, `k6-${SCENARIOS[0]}`)!)).spec.containers[0]).BASE_URL).toBe('http://api.fleetlab:3000');
    }, 120_000);

    it('catch a button whose bundle is missing (negative control)', async () => {
      const r = structuredClone(await tiltfileResult([]));
      const button = manifest(r, `k6-${SCENARIOS[0]}`)!;
      const args = button.DeployTarget.UpdateCmdSpec!.args;
      args[args.length - 1] = args.at(-1)!.replaceAll(`loadtests/dist/${SCENARIOS[0]}.js`, 'loadtests/dist/99-no-such-scenario.js');
      expect(problems(r)).toContain(`k6-${SCENARIOS[0]} command: loadtests/dist/99-no-such-scenario.js does not exist (run \`npm run build\`)`);
    }, 120_000);
  });

  it('has the chaos and fleet buttons, manual only', async () => {
    const r = await tiltfileResult([]);
    for (const name of ['fleet-100', 'chaos-kill-consumer', 'chaos-kill-api']) {
      expect(manifest(r, name)!.TriggerMode, name).toBe(TRIGGER_MODE_MANUAL);
      expect(manifest(r, name)!.Labels).toEqual({ experiments: 'experiments' });
    }
    expect(commandOf(manifest(r, 'chaos-kill-consumer')!)).toMatch(/^kubectl -n fleetlab delete pod -l app.kubernetes.io\/name=consumer/);
  }, 120_000);

  describe('chaos experiment buttons', () => {
    for (const flags of [[], ['no-observability'], ['chaos-mesh'], ['chaos-mesh', 'no-observability']]) {
      it(`one per experiment the cluster runs, with chaos-status and chaos-reset, manual only${flags.length ? ` (${profileName(flags)})` : ''}`, async () => {
        const r = await tiltfileResult(flags);
        const observability = !flags.includes('no-observability');
        const chaosMesh = flags.includes('chaos-mesh');
        expect(problems(r)).toEqual([]);
        const buttons = r.Manifests.filter((m) => m.Name.startsWith('chaos-') && !m.Name.startsWith('chaos-kill-') && m.Name !== 'chaos-mesh-crds');
        expect(buttons.map((m) => m.Name)).toEqual(CHAOS_BUTTONS);
        // At least the seven experiments whose faults and expectations hold in the cluster (docs/chaos.md).
        expect(CHAOS.filter((e) => e.k8s).length).toBeGreaterThanOrEqual(7);
        for (const e of CHAOS) {
          const button = manifest(r, `chaos-${e.name}`);
          if (!e.k8s) {
            expect(button, `${e.name} does not target k8s: no button`).toBeUndefined();
            continue;
          }
          expect(commandOf(button!)).toBe(
            `npm run chaos -- run ${e.name} --target k8s${chaosMesh ? ' --chaos-mesh' : ''}${observability ? '' : " --skip-probes 'no Prometheus in this profile (tilt up -- --no-observability)'"}`,
          );
          expect(button!.ResourceDependencies).toEqual([...(observability ? ['api', 'prometheus'] : ['api']), ...(chaosMesh ? ['chaos-mesh-crds'] : [])]);
          expect(linksOf(button!).map((l) => l.url)).toEqual(observability ? ['http://localhost:9090/alerts', 'http://localhost:3300/d/fleetlab-overview/fleetlab-overview'] : []);
        }
        // --chaos-mesh: Chaos Mesh's CRDs applied server-side on tilt up, from the pinned module (platform/chaos-mesh/crds.sh).
        const crds = manifest(r, 'chaos-mesh-crds');
        if (chaosMesh) {
          expect(commandOf(crds!)).toBe('kubectl apply --server-side --force-conflicts -f "$(bash platform/chaos-mesh/crds.sh)"');
          expect(crds!.TriggerMode).not.toBe(TRIGGER_MODE_MANUAL);
          expect(crds!.Labels).toEqual({ experiments: 'experiments' });
        } else {
          expect(crds).toBeUndefined();
        }
        expect(commandOf(manifest(r, 'chaos-status')!)).toBe('npm run chaos -- status --target k8s');
        expect(commandOf(manifest(r, 'chaos-reset')!)).toBe('npm run chaos -- reset --target k8s');
        for (const m of buttons) {
          expect(m.TriggerMode, m.Name).toBe(TRIGGER_MODE_MANUAL);
          expect(m.Labels).toEqual({ experiments: 'experiments' });
        }
        // The command's experiment exists and the chaos CLI is a script of the root package.
        const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
        expect(scripts.chaos).toMatch(/node chaos\/dist\/cli\.js$/);
      }, 120_000);
    }
  });

  it('catches a build context that leaves out a file a Dockerfile copies (negative control: ignore=[dashboards])', async () => {
    const r = structuredClone(await tiltfileResult([]));
    const api = manifest(r, 'api')!.ImageTargets![0]!;
    api.BuildDetails.contextIgnores = [...(api.BuildDetails.contextIgnores ?? []), { basePath: api.BuildDetails.context!, patterns: ['dashboards'] }];
    expect(contextProblems(r)).toContain('docker_build api: COPY dashboards/package.json: dashboards/package.json left out of the context');
  }, 120_000);

  it('catches a live update into a path the container cannot write (negative control: no emptyDir for src/)', async () => {
    const r = structuredClone(await tiltfileResult([]));
    const api = manifest(r, 'api')!;
    const objects = objectsOf(api).map((o) => {
      if (o.kind !== 'Deployment') return o;
      const c = o.spec.template.spec.containers[0];
      c.volumeMounts = c.volumeMounts.filter((v: { name: string }) => v.name !== 'live-src');
      return o;
    });
    api.DeployTarget.yaml = objects.map((o) => JSON.stringify(o)).join('\n---\n');
    expect(liveUpdateProblems(r)).toContain('api: live update syncs into /app/services/api/src, which is on the read-only root filesystem (no writable volume there)');
  }, 120_000);

  it('refuses an unknown flag, as tilt up does', async () => {
    const r = await runTiltfileResult(['--no-such-flag']);
    expect(r.status).toBe(5);
    expect(r.stderr).toMatch(/no-such-flag/);
  }, 120_000);

  it('would refuse object fragments that are patterns (negative control: the exact-name lookup of real Tilt)', async () => {
    const copy = join(REPO, `.Tiltfile.fragment-check-${process.pid}`);
    try {
      const text = readFileSync(join(REPO, 'Tiltfile'), 'utf8');
      expect(text).toContain("generated('fleetlab-config')");
      writeFileSync(copy, text.replace("generated('fleetlab-config')", "'fleetlab-config.*:configmap'"));
      const r = await runTiltfileResult([], copy);
      expect(r.status).toBe(5);
      expect(r.stderr).toContain('No object identified by the fragment "fleetlab-config.*:configmap" could be found');
    } finally {
      rmSync(copy, { force: true });
    }
  }, 120_000);
});

/** Where Istio sends a request to the fleetlab gateway for this path: the first http route of its VirtualService that matches. */
function gatewayDestination(objects: K8sObject[], path: string): string | undefined {
  const vs = objects.find((o) => o.kind === 'VirtualService' && (o.spec.gateways ?? []).includes('fleetlab'))!;
  for (const route of vs.spec.http as { match?: { uri: { exact?: string; prefix?: string } }[]; route: { destination: { host: string; port: { number: number } } }[] }[]) {
    const hit = !route.match || route.match.some((m) => (m.uri.exact !== undefined ? path === m.uri.exact : path.startsWith(m.uri.prefix ?? '')));
    if (hit) return `${route.route[0]!.destination.host}:${route.route[0]!.destination.port.number}`;
  }
  return undefined;
}

/** Imports of every bundle (loadtests/dist, `npm run build`) that the given k6 module list does not provide. */
function k6ImportProblems(modules: string[]): string[] {
  const out: string[] = [];
  for (const scenario of SCENARIOS) {
    const file = join(REPO, 'loadtests', 'dist', `${scenario}.js`);
    if (!existsSync(file)) {
      out.push(`${scenario}: loadtests/dist/${scenario}.js is missing (run \`npm run build\`)`);
      continue;
    }
    const code = readFileSync(file, 'utf8');
    const imports = [...code.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm)].map((m) => (m[1] ?? m[2])!);
    if (imports.length === 0) out.push(`${scenario}: no imports found`);
    for (const m of imports) if (!modules.includes(m)) out.push(`${scenario}: imports ${m}, which grafana/k6:${K6.k6Version} does not provide`);
  }
  return out;
}
