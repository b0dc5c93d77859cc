// The chaos and scenario CLIs as a developer (or a Tilt button) runs them against the test API server, for the
// Kubernetes driver's test files: spawned from chaos/dist, the ledger, reports and scenario state in the test's
// folder, no local lab to find.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerEntry } from '../../../chaos/src/ledger';
import { REPO } from '../lib';

export const CHAOS_CLI = join(REPO, 'chaos', 'dist', 'cli.js');
export const SCENARIO_CLI = join(REPO, 'chaos', 'dist', 'scenario-cli.js');

/** Fails the file at once when the CLIs are not built, saying how to build them. */
export function requireBuilt(files: string[] = [CHAOS_CLI]): void {
  for (const file of files) if (!existsSync(file)) throw new Error(`${file} is missing: npx tsc -b chaos`);
}

export interface Cli {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

export class ChaosCli {
  /** Children still running: killed by `killAll` when the file ends, so a failed assertion never leaves a runner behind. */
  private readonly running = new Set<ChildProcess>();

  /** `context` is read at each call: the API server and the folder exist only once the file's setup has run. */
  constructor(private readonly context: () => { kubeconfig: string; dir: string }) {}

  /** Starts `cli` (the chaos CLI unless told) with `args`, the ledger file given. */
  start(args: string[], ledger: string, cli = CHAOS_CLI): Cli {
    const { kubeconfig, dir } = this.context();
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: REPO,
      env: {
        ...process.env,
        KUBECONFIG: kubeconfig,
        FLEETLAB_CHAOS_LEDGER: ledger,
        FLEETLAB_CHAOS_REPORTS: join(dir, 'reports'),
        FLEETLAB_SCENARIO_DIR: join(dir, 'scenario'),
        // No local lab: nothing may find (or touch) one.
        FLEETLAB_LAB_DIR: join(dir, 'no-local-lab'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.running.add(child);
    child.on('close', () => this.running.delete(child));
    let text = '';
    child.stdout!.on('data', (b: Buffer) => (text += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (text += b.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return { child, output: () => text, exit };
  }

  async done(args: string[], ledger: string, cli = CHAOS_CLI): Promise<{ code: number | null; output: string }> {
    const run = this.start(args, ledger, cli);
    const code = await run.exit;
    return { code, output: run.output() };
  }

  killAll(): void {
    for (const child of this.running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

export function ledgerEntries(ledger: string): LedgerEntry[] {
  return existsSync(ledger) ? (JSON.parse(readFileSync(ledger, 'utf8')) as { entries: LedgerEntry[] }).entries : [];
}

/** Polls until `probe` answers; on timeout, the error carries `output` (a CLI's, unless `outputName` says whose). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  output?: () => string,
  outputName = 'CLI output',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${output ? `\n--- ${outputName} ---\n${output()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Writes an experiment file into `dir` and returns its path. */
export function writeExperiment(dir: string, name: string, body: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, body);
  return file;
}
