/**
 * The active scenario on disk, beside the chaos ledger: `play.json` is written by the process playing the break
 * (phase, faults, checks, log), `trainee.json` by the commands (hints shown, answers), so neither overwrites the
 * other. `FLEETLAB_SCENARIO_DIR` moves it (default ~/.cache/fleetlab/scenarios).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cacheDir } from '@fleetlab/local';
import { defaultLabDir } from '../drivers/local';
import type { LoadedScenario } from './catalog';
import { newState, type AnswerRecord, type ScenarioState } from './game';

export function defaultScenarioDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLEETLAB_SCENARIO_DIR ?? join(cacheDir(env), 'scenarios');
}

interface TraineePart {
  number: number;
  startedAt: number;
  hintsShown: number;
  answers: AnswerRecord[];
}

function writeAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export interface StartOptions {
  labDir?: string;
  ledger?: string;
  jaegerUrl?: string;
  /** Play it in the cluster lab (the Kubernetes driver) rather than the local one. */
  k8s?: { kubeconfig?: string; context?: string; namespace?: string; prometheusUrl?: string; apiUrl?: string };
  /** Faults only for the experiment (the chaos runner's --skip-probes), with the reason. */
  skipProbes?: string;
}

export class ScenarioStore {
  constructor(readonly dir = defaultScenarioDir()) {
    mkdirSync(dir, { recursive: true });
  }

  get playFile(): string {
    return join(this.dir, 'play.json');
  }
  get traineeFile(): string {
    return join(this.dir, 'trainee.json');
  }
  get logFile(): string {
    return join(this.dir, 'play.log');
  }

  /** The active (or last) scenario: the play state with the trainee's hints and answers. */
  read(): ScenarioState | undefined {
    const play = readJson<ScenarioState>(this.playFile);
    if (!play) return undefined;
    const trainee = readJson<TraineePart>(this.traineeFile);
    const same = trainee && trainee.number === play.number && trainee.startedAt === play.startedAt;
    return { ...play, hintsShown: same ? trainee.hintsShown : 0, answers: same ? trainee.answers : [] };
  }

  writePlay(state: ScenarioState): void {
    const { hintsShown: _h, answers: _a, ...play } = state;
    writeAtomic(this.playFile, { ...play, hintsShown: 0, answers: [] });
  }

  writeTrainee(state: ScenarioState): void {
    writeAtomic(this.traineeFile, { number: state.number, startedAt: state.startedAt, hintsShown: state.hintsShown, answers: state.answers } satisfies TraineePart);
  }

  /** Whether a scenario is being played now (its process alive and not finished). */
  active(): ScenarioState | undefined {
    const state = this.read();
    if (!state || state.endedAt !== undefined || !state.pid) return undefined;
    try {
      process.kill(state.pid, 0);
      return state;
    } catch {
      return undefined;
    }
  }

  /**
   * Starts the scenario in a process of its own (it holds the faults and the load, and owns them in the chaos
   * ledger), detached from the caller; returns once its state is on disk.
   */
  async start(loaded: LoadedScenario, options: StartOptions = {}): Promise<ScenarioState> {
    const running = this.active();
    if (running) throw new Error(`scenario ${running.number} is still being played (npm run scenario -- stop)`);
    const state = newState(loaded.number, loaded.id, loaded.scenario.title);
    this.writePlay(state);
    this.writeTrainee(state);
    rmSync(this.logFile, { force: true });
    const log = openSync(this.logFile, 'a');
    // The compiled daemon, whether this module runs from chaos/dist or (in tests) from chaos/src.
    const daemon = resolve(__dirname, '..', '..', 'dist', 'scenarios', 'daemon.js');
    const args = [daemon, loaded.id, '--scenario-dir', this.dir, '--started-at', String(state.startedAt), '--lab-dir', options.labDir ?? defaultLabDir()];
    if (options.ledger) args.push('--ledger', options.ledger);
    if (options.jaegerUrl) args.push('--jaeger', options.jaegerUrl);
    if (options.k8s) {
      args.push('--target', 'k8s');
      const k = options.k8s;
      for (const [flag, value] of [['kubeconfig', k.kubeconfig], ['context', k.context], ['namespace', k.namespace], ['prometheus', k.prometheusUrl], ['api-url', k.apiUrl]] as const) {
        if (value) args.push(`--${flag}`, value);
      }
    }
    if (options.skipProbes !== undefined) args.push('--skip-probes', options.skipProbes);
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: process.env });
    child.unref();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const now = this.read();
      if (now && now.pid === child.pid) return now;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const last = this.read();
    if (last?.pid) return last;
    throw new Error(`the scenario's process did not start: see ${this.logFile}`);
  }

  /** Stops the scenario being played: its process reverts every fault and stops its load, then exits. */
  async stop(timeoutMs = 180_000): Promise<ScenarioState | undefined> {
    const state = this.active();
    if (!state?.pid) return this.read();
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        process.kill(state.pid, 0);
      } catch {
        return this.read();
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`scenario process ${state.pid} did not stop within ${timeoutMs / 1000} s; npm run chaos -- reset drops its faults`);
  }
}
