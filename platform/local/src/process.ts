import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect } from 'node:net';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a command to completion, its output appended to a log file; rejects naming the log on failure. */
export async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string },
): Promise<void> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  log.write(`$ ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  await new Promise<void>((resolve) => log.end(resolve));
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed with status ${code}; see ${options.logFile}`);
}

/** A long-running process of the lab, its stdout and stderr in one log file. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;
  private resolveExited!: () => void;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly options: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string },
  ) {
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  get logFile(): string {
    return this.options.logFile;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitCode === undefined;
  }

  start(): this {
    mkdirSync(dirname(this.options.logFile), { recursive: true });
    const log = createWriteStream(this.options.logFile, { flags: 'a' });
    const spawnOptions: SpawnOptions = {
      cwd: this.options.cwd,
      env: this.options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    };
    const child = spawn(this.command, this.args, spawnOptions);
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('error', (error) => {
      log.write(`spawn failed: ${error.message}\n`);
      this.exitCode = -1;
      this.resolveExited();
    });
    child.once('exit', (code, signal) => {
      this.exitCode = code ?? (signal ? 128 : -1);
      log.end();
      this.resolveExited();
    });
    this.child = child;
    return this;
  }

  /** Resolves when the process exits, with its status; for processes expected to stop on their own. */
  async wait(): Promise<number | null | undefined> {
    await this.exited;
    return this.exitCode;
  }

  /** Polls until `probe` resolves true; fails early if the process exits, naming its log. */
  async waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exitCode !== undefined) {
        throw new Error(`${this.name} exited with status ${this.exitCode} before ${what}; see ${this.logFile}`);
      }
      if (await probe().catch(() => false)) return;
      await sleep(250);
    }
    throw new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}; see ${this.logFile}`);
  }

  /** SIGTERM, then SIGKILL after the grace period. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.child || this.exitCode !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** For fault tests: the process dies without any chance to clean up. */
  async kill(): Promise<void> {
    if (!this.child || this.exitCode !== undefined) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return response.ok;
}
