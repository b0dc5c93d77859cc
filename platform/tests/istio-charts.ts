// Istio's Helm charts and mesh config as the pinned Istio module ships them (the module istioctl is built from): the
// values each chart accepts, and MeshConfig's fields from istio.io/api's generated Go types. The Tiltfile's
// `helm --set` keys are checked against these, and the footprint test reads the charts' default resources.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO, run } from './lib.js';

const moduleDirs = new Map<string, string>();

/** The folder of a module in the Go module cache, as the istioctl tools module resolves it (downloaded if needed). */
export function goModuleDir(module: string): string {
  let dir = moduleDirs.get(module);
  if (dir === undefined) {
    const cwd = join(REPO, 'platform', 'tools', 'istioctl');
    run('go', ['mod', 'download', module], { cwd });
    dir = run('go', ['list', '-m', '-f', '{{.Dir}}', module], { cwd }).trim();
    if (!dir) throw new Error(`go list -m ${module} in platform/tools/istioctl found no folder`);
    moduleDirs.set(module, dir);
  }
  return dir;
}

export const istioDir = (): string => goModuleDir('istio.io/istio');

/** The Istio line of the module (its VERSION file, e.g. "1.31"). */
export const istioLine = (): string => readFileSync(join(istioDir(), 'VERSION'), 'utf8').trim();

const CHARTS: Record<string, string> = {
  base: 'manifests/charts/base',
  istiod: 'manifests/charts/istio-control/istio-discovery',
  cni: 'manifests/charts/istio-cni',
  gateway: 'manifests/charts/gateway',
};

/** A chart's default values: Istio's charts keep them under `_internal_defaults_do_not_set`, set at the top level. */
export function chartValues(chart: string): Record<string, unknown> {
  const folder = CHARTS[chart];
  if (!folder) throw new Error(`no Istio chart ${chart}`);
  const values = parse(readFileSync(join(istioDir(), folder, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const { _internal_defaults_do_not_set: defaults, ...rest } = values;
  return { ...(defaults as Record<string, unknown>), ...rest };
}

interface GoField { json: string; type: string }

let meshTypes: Map<string, GoField[]> | undefined;

/** Go structs of istio.io/api's mesh/v1alpha1 package: struct name → fields with their JSON (camelCase) names. */
function meshConfigTypes(): Map<string, GoField[]> {
  if (meshTypes) return meshTypes;
  meshTypes = new Map();
  const dir = join(goModuleDir('istio.io/api'), 'mesh', 'v1alpha1');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.pb.go'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(/^type (\w+) struct \{\n([\s\S]*?)\n\}/gm)) {
      const fields: GoField[] = [];
      for (const f of m[2]!.matchAll(/^\t\w+\s+(\S+)\s+`protobuf:"[^"]*?name=(\w+)(?:,json=(\w+))?[^"]*"/gm)) {
        fields.push({ type: f[1]!.replace(/^[*[\]]+/, ''), json: f[3] ?? f[2]! });
      }
      meshTypes.set(m[1]!, fields);
    }
  }
  return meshTypes;
}

/** Why a `--set` key is not one the chart knows, or undefined when it is. meshConfig.* is checked against MeshConfig. */
export function unknownKey(chart: string, key: string): string | undefined {
  const parts = key.split('.');
  if (chart === 'istiod' && parts[0] === 'meshConfig') {
    let type = 'MeshConfig';
    for (const [i, part] of parts.slice(1).entries()) {
      const field = meshConfigTypes().get(type)?.find((f) => f.json === part);
      if (!field) return `${parts.slice(0, i + 2).join('.')}: ${type} has no field ${part}`;
      type = field.type;
    }
    return undefined;
  }
  let node: unknown = chartValues(chart);
  for (const [i, part] of parts.entries()) {
    if (node === null || typeof node !== 'object' || !(part in (node as object))) {
      return `${parts.slice(0, i + 1).join('.')} is not a value of Istio's ${chart} chart (${CHARTS[chart]}/values.yaml)`;
    }
    node = (node as Record<string, unknown>)[part];
  }
  return undefined;
}

/** `--set a.b=c` pairs of a helm command line. */
export function helmSets(cmd: string): Record<string, string> {
  return Object.fromEntries([...cmd.matchAll(/--set\s+([^=\s]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

/** A chart's values with `--set` applied (strings as given; enough for resources). */
export function valuesWith(chart: string, sets: Record<string, string>): Record<string, unknown> {
  const values = structuredClone(chartValues(chart));
  for (const [key, value] of Object.entries(sets)) {
    const parts = key.split('.');
    let node = values as Record<string, unknown>;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts.at(-1)!] = value;
  }
  return values;
}
