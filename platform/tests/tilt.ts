// Real Tilt on the Tiltfile: `tilt alpha tiltfile-result` (Tilt built from platform/tools/tilt) executes it with no
// cluster and prints what it loaded as JSON: every resource with its labels, dependencies, trigger mode, links, port
// forwards, images and Kubernetes YAML. Shared by the Tiltfile and footprint tests.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, K8sObject, REPO, parseObjects, tool } from './lib.js';
import type { IgnoreDef } from './build-context.js';

/** The Tiltfile's flags (config.define_bool): every combination is a profile `tilt up` can start. */
export const FLAGS = ['no-mesh', 'no-elastic', 'no-observability', 'no-live-update'] as const;

export function allFlagCombinations(): string[][] {
  const out: string[][] = [];
  for (let mask = 0; mask < 1 << FLAGS.length; mask++) out.push(FLAGS.filter((_, i) => mask & (1 << i)));
  return out;
}

export const profileName = (flags: string[]): string => (flags.length ? flags.map((f) => `--${f}`).join(' ') : '(defaults)');

/** Tilt's url.URL as JSON. */
interface Url { Scheme: string; Host: string; Path: string }
export interface Link { URL: Url; Name: string }
export interface Forward { localPort?: number; containerPort: number; name?: string; path?: string }
export interface ImageTarget {
  /** The image's name (docker_build's ref). */
  selector: string;
  LiveUpdateSpec: { basePath: string; syncs?: { localPath: string; containerPath: string }[]; stopPaths?: string[] };
  BuildDetails: { dockerfileContents?: string; context?: string; contextIgnores?: IgnoreDef[] };
}
export interface Manifest {
  Name: string;
  ImageTargets: ImageTarget[] | null;
  DeployTarget: {
    // k8s_resource
    yaml?: string;
    portForwardTemplateSpec?: { forwards: Forward[] };
    // local_resource
    UpdateCmdSpec?: { args: string[]; dir?: string } | null;
    ServeCmd?: { Argv: string[] | null };
    Links?: Link[] | null;
  };
  TriggerMode: number;
  ResourceDependencies: string[] | null;
  Labels: Record<string, string> | null;
}
export interface TiltfileResult { Manifests: Manifest[]; ConfigFiles: string[] }

// Tilt's TriggerMode (pkg/model/trigger_mode.go): 0 auto, 1 manual with auto init, 2 manual, 3 auto with manual init.
export const TRIGGER_MODE_MANUAL = 2;

// No kubeconfig at all (a path that does not exist): loading needs no cluster, never touches the user's kubeconfig, and
// Tilt runs local() only when it sees no possibly-production context (a made-up one is refused).
const scratch = mkdtempSync(join(tmpdir(), 'fleetlab-tilt-'));

export interface TiltRun { status: number | null; stdout: string; stderr: string }

/**
 * Runs `tilt alpha tiltfile-result --file <tiltfile> -- <args>` as a developer would, from the repository root.
 * Asynchronous: a load takes seconds of CPU, and the test worker must keep answering vitest meanwhile.
 */
export function runTiltfileResult(args: string[], tiltfile = join(REPO, 'Tiltfile')): Promise<TiltRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool('tilt'), ['alpha', 'tiltfile-result', '--file', tiltfile, '--', ...args], {
      cwd: REPO,
      // render.sh finds kustomize on PATH, as on a developer's machine; Tilt's own state stays in a temp folder.
      env: { ...process.env, PATH: `${BIN}:${process.env.PATH}`, KUBECONFIG: join(scratch, 'no-kubeconfig'), TILT_DEV_DIR: join(scratch, 'tilt-dev') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

const cache = new Map<string, Promise<TiltfileResult>>();

/** The loaded Tiltfile for these flags (`no-mesh`, `k6-profile=average`, …); rejects with Tilt's error if it fails. */
export function tiltfileResult(flags: string[]): Promise<TiltfileResult> {
  const key = flags.join(' ');
  let result = cache.get(key);
  if (!result) {
    result = runTiltfileResult(flags.map((f) => `--${f}`)).then((r) => {
      if (r.status !== 0) throw new Error(`tilt alpha tiltfile-result -- ${key} exited ${r.status}:\n${r.stderr}`);
      return JSON.parse(r.stdout) as TiltfileResult;
    });
    cache.set(key, result);
  }
  return result;
}

export const manifest = (r: TiltfileResult, name: string): Manifest | undefined => r.Manifests.find((m) => m.Name === name);

/** The Kubernetes objects Tilt applies for a resource (empty for a local resource). */
export const objectsOf = (m: Manifest): K8sObject[] => (m.DeployTarget.yaml ? parseObjects(m.DeployTarget.yaml) : []);

/** A local resource's command as the shell gets it (Tilt runs `sh -c <cmd>`). */
export function commandOf(m: Manifest): string {
  const args = m.DeployTarget.UpdateCmdSpec?.args ?? [];
  return args[0] === 'sh' && args[1] === '-c' ? args[2]! : args.join(' ');
}

export const serveCommandOf = (m: Manifest): string => {
  const argv = m.DeployTarget.ServeCmd?.Argv ?? [];
  return argv[0] === 'sh' && argv[1] === '-c' ? argv[2]! : argv.join(' ');
};

export const linksOf = (m: Manifest): { url: string; name: string }[] =>
  (m.DeployTarget.Links ?? []).map((l) => ({ url: `${l.URL.Scheme}://${l.URL.Host}${l.URL.Path}`, name: l.Name }));

export const forwardsOf = (m: Manifest): Forward[] => m.DeployTarget.portForwardTemplateSpec?.forwards ?? [];
