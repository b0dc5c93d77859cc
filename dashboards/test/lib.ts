// Shared helpers of the dashboards tests: paths, promtool, the generated files and the PromQL they contain.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { cacheDir } from '../../platform/local/src/paths';

export const DASHBOARDS_DIR = resolve(__dirname, '..');
export const REPO = resolve(DASHBOARDS_DIR, '..');

/**
 * The promtools to check the rules with: Debian's 2.42 (the version of the no-cluster lab's Prometheus) and the
 * 3.x of the Kubernetes lab's tool cache (Prometheus 3 reads rules a little differently, e.g. it normalises `le`).
 * A missing one fails the test with how to get it: never a skip. The cache is the lab's own (FLEETLAB_CACHE, as
 * everywhere), so the tool the installer built is the one checked.
 */
export function promtools(env: NodeJS.ProcessEnv = process.env): ReadonlyArray<{ name: string; path: string; hint: string }> {
  return [
    { name: 'promtool 2.x (no-cluster lab)', path: env.FLEETLAB_PROMTOOL ?? '/usr/bin/promtool', hint: 'install it: apt-get install prometheus (or set FLEETLAB_PROMTOOL)' },
    {
      name: 'promtool 3.x (Kubernetes lab)',
      path: join(cacheDir(env), 'k8s-tools', 'bin', 'promtool'),
      hint: 'run `bash platform/tests/install-tools.sh` (it builds the tools into the cache once)',
    },
  ];
}

export const PROMTOOLS = promtools();

export function requirePromtool(tool: { name: string; path: string; hint: string }): string {
  if (!existsSync(tool.path)) throw new Error(`${tool.name} is missing at ${tool.path}: ${tool.hint}`);
  return tool.path;
}

/** Runs a command; on failure, throws with its output so the test says why. */
export function run(cmd: string, args: string[], cwd = REPO): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

export const RULE_FILES = ['prometheus/rules.yml', 'prometheus/rules-lab.yml'] as const;
export const TEST_FILES = ['prometheus/tests/rules.test.yml', 'prometheus/tests/rules-lab.test.yml'] as const;

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function readYaml<T>(path: string): T {
  return parse(readFileSync(join(DASHBOARDS_DIR, path), 'utf8')) as T;
}

export function rules(file: string): Rule[] {
  return readYaml<{ groups: Array<{ rules: Rule[] }> }>(file).groups.flatMap((g) => g.rules);
}

export const DASHBOARD_FILES = ['fleetlab-overview.json', 'fleetlab-red.json', 'fleetlab-kafka.json', 'fleetlab-slos.json', 'fleetlab-mesh.json', 'fleetlab-k6.json'];

export function readDashboard(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(DASHBOARDS_DIR, 'grafana', file), 'utf8')) as Record<string, unknown>;
}

const PROMQL_KEYWORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset',
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'histogram_quantile', 'vector', 'scalar', 'abs', 'clamp_min',
  'clamp_max', 'sum_over_time', 'avg_over_time', 'count_over_time', 'max_over_time', 'min_over_time', 'label_values',
  'label_replace', 'time', 'absent', 'inf', 'nan',
]);

/**
 * Metric names in a PromQL expression: identifiers not inside a string, a label matcher, a by/without list or a
 * range, and not a function or keyword. Good enough for the expressions we write, which is all it must read.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '[]');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = m[0];
    const next = stripped.slice((m.index ?? 0) + name.length).trimStart();
    if (PROMQL_KEYWORDS.has(name) || next.startsWith('(')) continue;
    if (/^\d/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}
