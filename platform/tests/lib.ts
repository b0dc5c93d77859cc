// Shared helpers of the offline Kubernetes tests: tool paths in the cache, rendering, YAML parsing, combinations.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { cacheDir, repoRoot } from '../local/src/paths';

export const REPO = repoRoot;
export const CACHE = cacheDir();
export const TOOLS = join(CACHE, 'k8s-tools');
export const BIN = join(TOOLS, 'bin');
export const SCHEMAS = join(TOOLS, 'schemas', 'kubernetes');
export const ISTIO_CRDS = join(TOOLS, 'istio', 'crd-all.gen.yaml');
/** Chaos Mesh's CRDs (manifests/crd.yaml of its Go module at the commit install-tools.sh pins). */
export const CHAOS_MESH_CRDS = join(TOOLS, 'chaos-mesh', 'crd.yaml');
/** The Kubernetes versions every manifest must validate against: the oldest the lab supports and the newest schemas. */
export const KUBERNETES_VERSIONS = ['1.31.0', '1.37.0'];

const INSTALL_HINT = 'run `bash platform/tests/install-tools.sh` (it builds the tools into the cache once)';

/** The path of a tool from the cache; throws, naming the installer, when it isn't there. Never skips. */
export function tool(name: 'kustomize' | 'kubeconform' | 'istioctl' | 'promtool' | 'tilt' | 'kube-apiserver' | 'etcd'): string {
  const path = join(BIN, name);
  if (!existsSync(path)) throw new Error(`${name} is missing at ${path}: ${INSTALL_HINT}`);
  return path;
}

export function requireFile(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} is missing at ${path}: ${INSTALL_HINT}`);
  return path;
}

/** Runs a command; on failure, throws with its stdout and stderr so the test output says why. */
export function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  try {
    return execFileSync(cmd, args, {
      cwd: options.cwd ?? REPO,
      env: { ...process.env, ...options.env },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} exited ${e.status}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Runs a command and returns stdout and stderr together (istioctl reports on stderr); throws like run() on failure. */
export function runCombined(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${output}`);
  return output;
}

/** Every component folder (platform/components/<name>/kustomization.yaml), sorted. */
export function componentNames(): string[] {
  const dir = join(REPO, 'platform', 'components');
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'kustomization.yaml')))
    .map((e) => e.name)
    .sort();
}

/** Every subset of the components (base alone, each one, every pair, …, all), smallest first. */
export function combinations(names: string[]): string[][] {
  const out: string[][] = [];
  for (let mask = 0; mask < 1 << names.length; mask++) out.push(names.filter((_, i) => mask & (1 << i)));
  return out.sort((a, b) => a.length - b.length);
}

const renderCache = new Map<string, string>();

/** platform/base plus components, through platform/tools/render.sh (what the Tiltfile runs) and the cached kustomize. */
export function render(components: string[]): string {
  const key = components.join(' ');
  let text = renderCache.get(key);
  if (text === undefined) {
    text = run('bash', [join(REPO, 'platform', 'tools', 'render.sh'), ...components], { env: { KUSTOMIZE: tool('kustomize') } });
    renderCache.set(key, text);
  }
  return text;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [key: string]: any;
}

export function parseObjects(text: string): K8sObject[] {
  const docs = parseAllDocuments(text);
  const objects: K8sObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`YAML error: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    if (value) objects.push(value);
  }
  return objects;
}

export const id = (o: K8sObject): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export interface PodTemplate {
  owner: string;
  kind: string;
  labels: Record<string, string>;
  spec: K8sObject['spec'];
}

/** Pod templates of every workload kind we render, with where they came from. */
export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(o.kind)) {
      out.push({ owner: id(o), kind: o.kind, labels: o.spec?.template?.metadata?.labels ?? {}, spec: o.spec?.template?.spec ?? {} });
    } else if (o.kind === 'CronJob') {
      const t = o.spec?.jobTemplate?.spec?.template;
      out.push({ owner: id(o), kind: o.kind, labels: t?.metadata?.labels ?? {}, spec: t?.spec ?? {} });
    } else if (o.kind === 'Pod') {
      out.push({ owner: id(o), kind: o.kind, labels: o.metadata.labels ?? {}, spec: o.spec ?? {} });
    }
  }
  return out;
}

/** The images this repository builds (one name everywhere: folder = image = workload); everything else is third-party. */
export const OWN_IMAGES = ['api', 'simulator', 'consumer', 'web', 'connect'];
