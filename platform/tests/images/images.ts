// Real image builds without a Docker engine: the build specs come from real Tilt (`tilt alpha tiltfile-result`), the
// builder is buildah (chroot isolation), the stand-in bases come from stand-ins.sh, containers run under podman + runc.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { BIN, CACHE, REPO } from '../lib';

export const IMAGES_DIR = join(REPO, 'platform', 'tests', 'images');
export const IMAGES_CACHE = join(CACHE, 'images');
export const IMAGE_LOGS = join(IMAGES_CACHE, 'logs');
/** Tag of every image built here: `localhost/<tilt ref>:dev`. */
export const builtTag = (ref: string): string => `localhost/${ref}:dev`;

/** One of Tilt's context filters (DockerImageSpec.contextIgnores): patterns relative to basePath; none = all of it. */
export interface IgnoreDef {
  basePath: string;
  patterns?: string[];
}

/** What Tilt hands its Docker builder for one docker_build: Dockerfile text, context, filters, args, target. */
export interface ImageBuildSpec {
  ref: string;
  context: string;
  dockerfileContents: string;
  contextIgnores: IgnoreDef[];
  args: string[];
  target?: string;
}

/** The environment that points buildah and podman at the cache's storage and settings (written by env.sh). */
export function containerEnv(): NodeJS.ProcessEnv {
  // env.sh writes storage.conf and containers.conf; sourcing it here keeps one definition of them.
  const r = spawnSync('bash', ['-c', `. "${join(IMAGES_DIR, 'env.sh')}" && env`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`env.sh failed: ${r.stderr}`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const line of r.stdout.split('\n')) {
    const m = /^(CONTAINERS_STORAGE_CONF|CONTAINERS_CONF|BUILDAH_ISOLATION)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2];
  }
  return env;
}

/** Loads the Tiltfile with real Tilt (no cluster) and returns its JSON; flags go after `--` as with `tilt up`. */
export function tiltfileResult(flags: string[] = []): unknown {
  const tilt = join(BIN, 'tilt');
  if (!existsSync(tilt)) throw new Error(`tilt is missing at ${tilt}: run \`bash platform/tests/install-tools.sh\``);
  const r = spawnSync(tilt, ['alpha', 'tiltfile-result', '--file', join(REPO, 'Tiltfile'), '--', ...flags], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    // No cluster: an empty kubeconfig keeps Tilt from reaching for one.
    env: { ...process.env, KUBECONFIG: join(tmpdir(), 'fleetlab-no-cluster', 'kubeconfig') },
  });
  if (r.status !== 0) throw new Error(`tilt alpha tiltfile-result ${flags.join(' ')} exited ${r.status}\n${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

/** Every docker_build of Tilt's result, once per image ref. */
export function imageSpecsFromTilt(result: unknown): ImageBuildSpec[] {
  const specs = new Map<string, ImageBuildSpec>();
  const visit = (node: unknown, ref: string | undefined): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, ref);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    // An ImageTarget embeds its ImageMapSpec: `selector` (the image ref) sits beside BuildDetails.
    const here = typeof obj.selector === 'string' && 'BuildDetails' in obj ? obj.selector : ref;
    if (typeof obj.dockerfileContents === 'string' && typeof obj.context === 'string') {
      if (!here) throw new Error('a Docker build spec without an image ref in Tilt\'s JSON');
      specs.set(here, {
        ref: here,
        context: obj.context,
        dockerfileContents: obj.dockerfileContents,
        contextIgnores: (obj.contextIgnores as IgnoreDef[] | undefined) ?? [],
        args: (obj.args as string[] | undefined) ?? [],
        target: (obj.target as string | undefined) || undefined,
      });
      return;
    }
    for (const value of Object.values(obj)) visit(value, here);
  };
  visit(result, undefined);
  return [...specs.values()].sort((a, b) => a.ref.localeCompare(b.ref));
}

/**
 * Tilt's context filters as one ignore file for buildah, which applies it with the same dockerignore matcher Tilt
 * uses. Tilt excludes a path when any filter matches it; one file says the same when at most one filter has
 * exceptions (`!`, as `only=` makes) and that one comes first, since a later plain pattern then always wins.
 */
export function ignoreFileFor(spec: ImageBuildSpec): string {
  const lines: string[][] = [];
  let withExceptions = 0;
  for (const def of spec.contextIgnores) {
    const rel = relative(spec.context, def.basePath);
    // A filter outside the context (the repository's .git when the context is a subfolder) filters nothing sent.
    if (rel.startsWith('..') || isAbsolute(rel)) continue;
    const prefix = rel === '' ? '' : `${rel.split('\\').join('/')}/`;
    const patterns = def.patterns && def.patterns.length > 0 ? def.patterns : [rel === '' ? '**' : rel];
    const out = patterns
      .map((p) => p.trim())
      .filter((p) => p !== '' && !p.startsWith('#'))
      .map((p) => (p.startsWith('!') ? `!${prefix}${p.slice(1).replace(/^\/+/, '')}` : `${prefix}${p.replace(/^\/+/, '')}`));
    if (out.some((p) => p.startsWith('!'))) {
      withExceptions++;
      lines.unshift(out);
    } else {
      lines.push(out);
    }
  }
  if (withExceptions > 1) {
    throw new Error(`${spec.ref}: more than one of Tilt's context filters has exceptions; one ignore file can't express that`);
  }
  return `# Tilt's context filters for ${spec.ref} (generated by platform/tests/images/images.ts)\n${lines.flat().join('\n')}\n`;
}

export interface BuildResult {
  ref: string;
  tag: string;
  ok: boolean;
  seconds: number;
  log: string;
  /** The last lines of the log, for error messages. */
  tail: string;
}

/** The npmrc an `npm ci` inside a build needs here: the host's CA bundle (mounted read-only) as npm's cafile. */
function npmrc(): string {
  const path = join(IMAGES_CACHE, 'npmrc');
  writeFileSync(path, '# npm settings inside image builds (platform/tests/images/images.ts)\ncafile=/etc/ssl/certs/ca-certificates.crt\n');
  return path;
}

/** `buildah bud` of one spec with layer caching; the log goes to IMAGE_LOGS/build-<ref>.log. */
export async function buildImage(spec: ImageBuildSpec, env: NodeJS.ProcessEnv = containerEnv()): Promise<BuildResult> {
  mkdirSync(IMAGE_LOGS, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), `fleetlab-image-${spec.ref}-`));
  const dockerfile = join(work, 'Dockerfile');
  const ignorefile = join(work, 'ignore');
  writeFileSync(dockerfile, spec.dockerfileContents);
  writeFileSync(ignorefile, ignoreFileFor(spec));
  const log = join(IMAGE_LOGS, `build-${spec.ref}.log`);
  const tag = builtTag(spec.ref);
  const args = [
    'bud',
    '--pull=never',
    '--layers',
    '--isolation',
    'chroot',
    '--network',
    'host',
    '--volume',
    '/etc/ssl/certs:/etc/ssl/certs:ro',
    '--volume',
    `${npmrc()}:/usr/local/etc/npmrc:ro`,
    '--ignorefile',
    ignorefile,
    '--file',
    dockerfile,
    '--tag',
    tag,
    ...spec.args.flatMap((a) => ['--build-arg', a]),
    ...(spec.target ? ['--target', spec.target] : []),
    spec.context,
  ];
  const started = Date.now();
  const out = createWriteStream(log);
  out.write(`$ buildah ${args.join(' ')}\n# ignore file:\n${readFileSync(ignorefile, 'utf8')}\n`);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('buildah', args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  await new Promise<void>((resolve) => out.end(resolve));
  rmSync(work, { recursive: true, force: true });
  const text = readFileSync(log, 'utf8');
  return {
    ref: spec.ref,
    tag,
    ok: code === 0,
    seconds: Math.round((Date.now() - started) / 1000),
    log,
    tail: text.split('\n').slice(-25).join('\n'),
  };
}

/** Runs stand-ins.sh (builds the local base images when their inputs changed), output to the console. */
export function buildStandIns(env: NodeJS.ProcessEnv = containerEnv()): void {
  const r = spawnSync('bash', [join(IMAGES_DIR, 'stand-ins.sh')], { cwd: REPO, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`stand-ins.sh exited ${r.status}: see ${IMAGE_LOGS}`);
}

/**
 * Builds the specs `jobs` at a time, in the given order, reporting each one as it ends. The service images share
 * their first stage, so the first of them fills the layer cache the others reuse.
 */
export async function buildAll(
  specs: ImageBuildSpec[],
  options: { jobs?: number; report?: (r: BuildResult) => void } = {},
): Promise<BuildResult[]> {
  const env = containerEnv();
  const queue = [...specs];
  const results: BuildResult[] = [];
  const worker = async (): Promise<void> => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) {
      const result = await buildImage(spec, env);
      results.push(result);
      options.report?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs ?? 2) }, worker));
  return results;
}

/** The order that suits 2 cores: one service first (it fills the shared layers), the rest after. */
export function buildOrder(specs: ImageBuildSpec[]): ImageBuildSpec[] {
  const rank = ['api', 'connect', 'simulator', 'consumer', 'web'];
  const at = (s: ImageBuildSpec): number => (rank.includes(s.ref) ? rank.indexOf(s.ref) : rank.length);
  return [...specs].sort((a, b) => at(a) - at(b) || a.ref.localeCompare(b.ref));
}

/** Runs a podman or buildah command with the cache's settings; throws with its output on failure. */
export function container(cmd: 'podman' | 'buildah', args: string[], env: NodeJS.ProcessEnv = containerEnv()): string {
  const r = spawnSync(cmd, args, { cwd: REPO, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** podman --read-only, with no tmpfs but the ones listed (as a Deployment's readOnlyRootFilesystem + emptyDirs). */
  readOnly?: boolean;
  /**
   * Writable scratch folders, each like an emptyDir: an empty folder of the host (mode 0777, the image's files under it
   * hidden) bind-mounted there. podman's --tmpfs would keep the image folder's owner and mode instead.
   */
  tmpfs?: string[];
  /** host:container[:ro] bind mounts, like ConfigMap volumes. */
  volumes?: string[];
  user?: string;
  command?: string[];
}

/** Starts a container on the host network (the lab's Kafka and database listen on 127.0.0.1); returns its name. */
export function runContainer(name: string, image: string, options: RunOptions = {}, env: NodeJS.ProcessEnv = containerEnv()): string {
  spawnSync('podman', ['rm', '--force', '--ignore', name], { env, encoding: 'utf8' });
  const args = ['run', '--detach', '--name', name, '--network', 'host'];
  if (options.readOnly) args.push('--read-only', '--read-only-tmpfs=false');
  const scratch = join(tmpdir(), 'fleetlab-containers', name);
  rmSync(scratch, { recursive: true, force: true });
  for (const [i, dir] of (options.tmpfs ?? []).entries()) {
    const host = join(scratch, String(i));
    mkdirSync(host, { recursive: true });
    chmodSync(host, 0o777);
    args.push('--volume', `${host}:${dir}`);
  }
  for (const volume of options.volumes ?? []) args.push('--volume', volume);
  if (options.user) args.push('--user', options.user);
  for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) args.push('--env', `${key}=${value}`);
  args.push(image, ...(options.command ?? []));
  container('podman', args, env);
  return name;
}

/** A container's state (running, exited…) and exit code. */
export function containerState(name: string, env: NodeJS.ProcessEnv = containerEnv()): { status: string; exitCode: number } {
  const out = container('podman', ['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name], env).trim();
  const [status, code] = out.split(' ');
  return { status: status ?? 'unknown', exitCode: Number(code) };
}

export function containerLogs(name: string, env: NodeJS.ProcessEnv = containerEnv()): string {
  const r = spawnSync('podman', ['logs', name], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

export function removeContainer(name: string, env: NodeJS.ProcessEnv = containerEnv()): void {
  spawnSync('podman', ['rm', '--force', '--ignore', '--time', '10', name], { env, encoding: 'utf8' });
  rmSync(join(tmpdir(), 'fleetlab-containers', name), { recursive: true, force: true });
}

/** Polls url until it answers 200 or the container exits; throws with the container's logs otherwise. */
export async function waitForHttp(name: string, url: string, timeoutMs: number, env: NodeJS.ProcessEnv = containerEnv()): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    const state = containerState(name, env);
    if (state.status !== 'running') {
      throw new Error(`${name} ${state.status} (exit ${state.exitCode}) before ${url} answered 200\n${containerLogs(name, env).slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`${url} still ${last} after ${timeoutMs / 1000}s\n${containerLogs(name, env).slice(-4000)}`);
}
