// The Tiltfile, without tilt: tiltcheck runs it under go.starlark.net (Tilt's dialect) with recording stubs of Tilt's
// API and the real render; these tests check what it would do for every combination of its flags.
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, parseObjects, render, run, runCombined, tool } from './lib.js';

interface Call { fn: string; args: unknown[]; kwargs: Record<string, unknown> }
interface Report {
  flags: Record<string, boolean | string>;
  calls: Call[];
  objects: { apiVersion: string; kind: string; name: string; namespace: string }[];
  warnings: string[];
}

const FLAGS = ['no-mesh', 'no-elastic', 'no-observability', 'no-live-update'];
/** The k6 scenarios (loadtests/scenarios/<name>.ts): one Tilt button each. */
const SCENARIOS = readdirSync(join(REPO, 'loadtests', 'scenarios')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const LABELS = new Set(['app', 'data', 'mesh', 'observability', 'experiments']);
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod', 'ReplicaSet']);

function tiltcheck(flags: string[]): Report {
  const out = run(tool('tiltcheck'), ['-C', REPO, 'Tiltfile', '--', ...flags.map((f) => `--${f}`)], {
    // render.sh finds kustomize on PATH, as on a developer's machine.
    env: { PATH: `${BIN}:${process.env.PATH}` },
  });
  return JSON.parse(out) as Report;
}

const calls = (r: Report, fn: string) => r.calls.filter((c) => c.fn === fn);
const arg = (c: Call, i: number, name: string) => (c.args[i] ?? c.kwargs[name]) as unknown;
const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : v === undefined || v === null ? [] : [v as string]);

/** Tilt's resources: local_resource names, k8s_resource names, and one per workload object not renamed. */
function resources(r: Report) {
  const local = calls(r, 'local_resource').map((c) => arg(c, 0, 'name') as string);
  const k8s = calls(r, 'k8s_resource').map((c) => (c.kwargs.new_name as string) || (arg(c, 0, 'workload') as string));
  const workloads = r.objects.filter((o) => WORKLOAD_KINDS.has(o.kind)).map((o) => o.name);
  return { local, k8s, workloads, all: new Set([...local, ...k8s, ...workloads]) };
}

/** Tilt's object selector "name:kind[:namespace]", each part a full-match, case-insensitive regular expression. */
function selects(selector: string, o: Report['objects'][number]): boolean {
  const [name, kind, namespace] = selector.split(':');
  const full = (pattern: string | undefined, value: string) => !pattern || new RegExp(`^(?:${pattern})$`, 'i').test(value);
  return full(name, o.name) && full(kind, o.kind) && full(namespace, o.namespace);
}

function problems(r: Report): string[] {
  const out: string[] = [];
  const res = resources(r);
  const exists = (p: string, what: string) => {
    if (existsSync(isAbsolute(p) ? p : join(REPO, p))) return;
    // The k6 bundles are built, not committed: `npm run build` (which `npm test` runs first) writes them.
    out.push(`${what}: ${p} does not exist${p.startsWith('loadtests/dist/') ? ' (run `npm run build`)' : ''}`);
  };

  for (const name of [...res.local, ...res.k8s]) {
    if ([...res.local, ...res.k8s].filter((n) => n === name).length > 1) out.push(`resource ${name} is defined twice`);
  }
  for (const c of [...calls(r, 'local_resource'), ...calls(r, 'k8s_resource')]) {
    const name = (arg(c, 0, c.fn === 'local_resource' ? 'name' : 'workload') as string) || (c.kwargs.new_name as string);
    for (const dep of list(c.kwargs.resource_deps)) if (!res.all.has(dep)) out.push(`${name}: resource_deps names unknown resource ${dep}`);
    const labels = list(c.kwargs.labels);
    if (labels.length === 0) out.push(`${name}: no label`);
    for (const l of labels) if (!LABELS.has(l)) out.push(`${name}: unexpected label ${l}`);
    for (const dep of list(c.kwargs.deps)) exists(dep, `${name} deps`);
  }

  // k8s_resource: the workload exists, each objects selector picks something, no object is claimed twice.
  const claimed = new Map<string, string>();
  for (const c of calls(r, 'k8s_resource')) {
    const workload = arg(c, 0, 'workload') as string | undefined;
    const name = workload || (c.kwargs.new_name as string);
    if (workload && !res.workloads.includes(workload)) out.push(`k8s_resource ${workload}: no such workload in the manifests`);
    for (const selector of list(c.kwargs.objects)) {
      const hits = r.objects.filter((o) => selects(selector, o));
      if (hits.length === 0) out.push(`k8s_resource ${name}: objects selector ${selector} matches nothing`);
      for (const o of hits) {
        const key = `${o.kind}/${o.name}`;
        if (claimed.has(key) && claimed.get(key) !== name) out.push(`${key} is claimed by ${claimed.get(key)} and ${name}`);
        claimed.set(key, name);
      }
    }
  }

  // Everything else is claimed too (Tilt attaches a Service to the workload it selects), so nothing lands in Tilt's
  // "uncategorized" resource, which has no place in the dependency order.
  for (const o of r.objects) {
    if (!WORKLOAD_KINDS.has(o.kind) && o.kind !== 'Service' && !claimed.has(`${o.kind}/${o.name}`)) {
      out.push(`${o.kind}/${o.name} belongs to no resource (it would be "uncategorized")`);
    }
  }

  // Images: every docker_build is used by the manifests' workloads (by image name), with files that exist.
  for (const c of calls(r, 'docker_build')) {
    const ref = arg(c, 0, 'ref') as string;
    const context = arg(c, 1, 'context') as string;
    exists(context, `docker_build ${ref} context`);
    exists((c.kwargs.dockerfile as string) ?? join(context, 'Dockerfile'), `docker_build ${ref} dockerfile`);
    const workloads = r.objects.filter((o) => WORKLOAD_KINDS.has(o.kind)).map((o) => o.name);
    if (!workloads.includes(ref)) out.push(`docker_build ${ref}: no workload of that name (one name everywhere)`);
    for (const step of list(c.kwargs.live_update) as unknown as Record<string, unknown>[]) {
      if (step.$fn === 'sync') exists((step.$args as string[])[0]!, `docker_build ${ref} sync`);
    }
  }
  for (const c of calls(r, 'watch_file')) exists(arg(c, 0, 'file_path') as string, 'watch_file');
  for (const c of calls(r, 'read_file')) exists(arg(c, 0, 'file_path') as string, 'read_file');
  // Files named in commands (the render script, the k6 bundles and thresholds, …).
  for (const c of [...calls(r, 'local'), ...calls(r, 'local_resource')]) {
    const text = `${c.args.join(' ')} ${c.kwargs.cmd ?? ''} ${c.kwargs.serve_cmd ?? ''}`;
    for (const path of text.match(/\b(?:platform|services|dashboards|web|docs|loadtests)\/[\w./-]+/g) ?? []) exists(path, `${c.fn} command`);
  }
  return out;
}

function allFlagCombinations(): string[][] {
  const out: string[][] = [];
  for (let mask = 0; mask < 1 << FLAGS.length; mask++) out.push(FLAGS.filter((_, i) => mask & (1 << i)));
  return out;
}

describe('Tiltfile (run offline by tiltcheck)', () => {
  for (const flags of allFlagCombinations()) {
    it(`tilt up ${flags.length ? '-- ' + flags.map((f) => `--${f}`).join(' ') : '(defaults)'}: resources, deps, objects and paths are consistent`, () => {
      const r = tiltcheck(flags);
      expect(problems(r)).toEqual([]);
      const render = calls(r, 'local').map((c) => c.args[0] as string).find((cmd) => cmd.startsWith('platform/tools/render.sh'));
      const components = render!.split(' ').slice(1);
      expect(components.includes('istio')).toBe(!flags.includes('no-mesh'));
      expect(components.includes('observability')).toBe(!flags.includes('no-observability'));
      expect(components.includes('connect')).toBe(!flags.includes('no-elastic'));
      expect(components.includes('dev')).toBe(!flags.includes('no-live-update'));
      const names = r.objects.map((o) => o.name);
      expect(names.includes('elasticsearch')).toBe(!flags.includes('no-elastic'));
      expect(names.includes('kafka') && names.includes('mongodb')).toBe(true);
    }, 60_000);
  }

  it('with the defaults, links every UI: map, API docs, Grafana, Kiali, Jaeger, Prometheus, Kibana', () => {
    const r = tiltcheck([]);
    const text = JSON.stringify([...calls(r, 'local_resource'), ...calls(r, 'k8s_resource')].map((c) => [c.kwargs.links, c.kwargs.port_forwards]));
    for (const ui of ['map', 'API docs', 'Grafana', 'Kiali', 'Jaeger', 'Prometheus', 'Kibana', 'fleetlab overview', 'trips dashboard']) {
      expect(text, ui).toContain(ui);
    }
    for (const port of [8080, 3000, 3300, 20001, 16686, 9090, 5601]) expect(text).toContain(String(port));
  }, 60_000);

  it('installs Istio from pinned Helm charts in order, and has the load and chaos buttons (manual only)', () => {
    const r = tiltcheck([]);
    const local = new Map(calls(r, 'local_resource').map((c) => [arg(c, 0, 'name') as string, c]));
    expect(local.get('istio-base')?.kwargs.cmd).toMatch(/helm upgrade --install istio-base base .*--version \d+\.\d+\.\d+/);
    expect(local.get('istiod')?.kwargs.resource_deps).toEqual(['istio-base']);
    expect(local.get('istio-ingressgateway')?.kwargs.resource_deps).toEqual(['istiod']);
    for (const button of [...SCENARIOS.map((s) => `k6-${s}`), 'fleet-100', 'chaos-kill-consumer', 'chaos-kill-api']) {
      expect(local.get(button)?.kwargs.auto_init, button).toBe(false);
      expect(local.get(button)?.kwargs.labels).toEqual(['experiments']);
    }
    expect(local.get('chaos-kill-consumer')?.kwargs.cmd).toMatch(/^kubectl -n fleetlab delete pod -l app.kubernetes.io\/name=consumer/);
  }, 60_000);

  describe('k6 buttons', () => {
    /** The pod spec a button's `kubectl run --overrides='…'` runs. */
    function k6Pod(cmd: string): { metadata: { labels: Record<string, string> }; spec: any } {
      const json = /--overrides='([^']+)'/.exec(cmd)?.[1];
      expect(json, cmd).toBeDefined();
      return JSON.parse(json!);
    }
    const env = (container: { env: { name: string; value: string }[] }) => Object.fromEntries(container.env.map((e) => [e.name, e.value]));

    for (const flags of [[], ['no-mesh'], ['no-observability']]) {
      it(`one per scenario, each running its bundle in the pinned k6 image${flags.length ? ` (--${flags[0]})` : ''}`, () => {
        const r = tiltcheck(flags);
        const buttons = calls(r, 'local_resource').filter((c) => (arg(c, 0, 'name') as string).startsWith('k6-'));
        expect(buttons.map((c) => arg(c, 0, 'name'))).toEqual(SCENARIOS.map((s) => `k6-${s}`));
        const observability = !flags.includes('no-observability');
        for (const [i, button] of buttons.entries()) {
          const scenario = SCENARIOS[i]!;
          const name = `k6-${scenario}`;
          const cmd = button.kwargs.cmd as string;
          // Bundled first (the bundle exists: npm run build made it), then handed over as the ConfigMap the pod mounts.
          expect(cmd).toMatch(/^npm run --silent bundle -w loadtests && /);
          expect(cmd).toContain(`kubectl -n fleetlab create configmap ${name} --from-file=loadtests/dist/${scenario}.js --from-file=dashboards/generated/slo-thresholds.json`);
          expect(existsSync(join(REPO, 'loadtests', 'dist', `${scenario}.js`)), `loadtests/dist/${scenario}.js: run npm run build`).toBe(true);
          expect(cmd).toContain(`kubectl -n fleetlab run ${name} --rm --attach --restart=Never`);

          const pod = k6Pod(cmd);
          expect(pod.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'k6', 'sidecar.istio.io/inject': 'false' });
          expect(pod.spec.volumes).toContainEqual({ name: 'scripts', configMap: { name } });
          const [container, ...others] = pod.spec.containers;
          expect(others).toEqual([]);
          expect(container.name).toBe(name);
          expect(container.image).toMatch(/^grafana\/k6:\d+\.\d+\.\d+$/);
          expect(cmd).toContain(`--image=${container.image}`);
          expect(container.args.at(-1)).toBe(`/scripts/${scenario}.js`);
          expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
          expect(container.resources.limits).toBeDefined();
          const vars = env(container);
          expect(vars).toMatchObject({ PROFILE: 'smoke', SLO_FILE: '/scripts/slo-thresholds.json' });
          expect(vars.BASE_URL).toBe(flags.includes('no-mesh') ? 'http://api.fleetlab:3000' : 'http://istio-ingressgateway.istio-system');

          // Results into Prometheus (and Grafana's k6 dashboard) when there is one; the log only without.
          expect(container.args.includes('experimental-prometheus-rw')).toBe(observability);
          if (observability) {
            expect(container.args.slice(0, 3)).toEqual(['run', '--out', 'experimental-prometheus-rw']);
            expect(vars).toMatchObject({
              K6_PROMETHEUS_RW_SERVER_URL: 'http://prometheus.fleetlab:9090/api/v1/write',
              K6_PROMETHEUS_RW_TREND_STATS: 'p(50),p(95),p(99)',
            });
            expect(button.kwargs.resource_deps).toEqual(['api', 'prometheus']);
            expect(JSON.stringify(button.kwargs.links)).toContain('/d/fleetlab-k6/');
          } else {
            expect(Object.keys(vars).filter((k) => k.startsWith('K6_PROMETHEUS'))).toEqual([]);
            expect(button.kwargs.resource_deps).toEqual(['api']);
          }
        }
      }, 60_000);
    }

    it('take the load profile from --k6-profile', () => {
      const r = tiltcheck(['k6-profile=average']);
      expect(r.flags['k6-profile']).toBe('average');
      for (const c of calls(r, 'local_resource').filter((c) => (arg(c, 0, 'name') as string).startsWith('k6-'))) {
        expect(env(k6Pod(c.kwargs.cmd as string).spec.containers[0]).PROFILE).toBe('average');
      }
    }, 60_000);

    it("write to a Prometheus that receives remote writes (the observability component's)", () => {
      const prometheus = parseObjects(render(['observability'])).find((o) => o.kind === 'Deployment' && o.metadata.name === 'prometheus');
      expect(prometheus?.spec.template.spec.containers[0].args).toContain('--web.enable-remote-write-receiver');
      const service = parseObjects(render(['observability'])).find((o) => o.kind === 'Service' && o.metadata.name === 'prometheus');
      expect(service?.metadata.namespace).toBe('fleetlab');
      expect(service?.spec.ports).toContainEqual(expect.objectContaining({ port: 9090 }));
    }, 60_000);

    it('catch a button whose bundle is missing (negative control)', () => {
      const r = tiltcheck([]);
      const button = calls(r, 'local_resource').find((c) => arg(c, 0, 'name') === `k6-${SCENARIOS[0]}`)!;
      button.kwargs.cmd = (button.kwargs.cmd as string).replaceAll(`loadtests/dist/${SCENARIOS[0]}.js`, 'loadtests/dist/99-no-such-scenario.js');
      expect(problems(r)).toContain('local_resource command: loadtests/dist/99-no-such-scenario.js does not exist (run `npm run build`)');
    }, 60_000);
  });

  it('refuses an unknown flag, as tilt does', () => {
    expect(() => runCombined(tool('tiltcheck'), ['-C', REPO, 'Tiltfile', '--', '--no-such-flag'])).toThrow(/unknown flag --no-such-flag/);
  }, 60_000);

  it('catches a reference to a missing resource (negative control)', () => {
    const r = tiltcheck([]);
    const api = calls(r, 'k8s_resource').find((c) => arg(c, 0, 'workload') === 'api')!;
    api.kwargs.resource_deps = ['kafka', 'no-such-resource'];
    expect(problems(r)).toContain('api: resource_deps names unknown resource no-such-resource');
  }, 60_000);
});
