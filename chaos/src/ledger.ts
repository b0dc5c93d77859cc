/**
 * The ledger: every fault this tool injects, written down with its deadline BEFORE it is injected, so that a runner
 * that crashes, is killed or loses its terminal leaves a record the next `npm run chaos` command finds and reverts.
 * One JSON file, rewritten atomically (temporary file and rename) on every change.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir } from '@fleetlab/local';
import type { LabRef } from './drivers/driver';
import type { FaultKind, Target } from './schema';

export type LabTarget = 'local' | 'k8s';

/** A fault as the driver applies it: concrete components, the spec's parameters, the deadline. */
export interface AppliedFault {
  /** Unique; also the fault's id in the lab (and the label value in Kubernetes). */
  id: string;
  kind: FaultKind;
  components: string[];
  /** The fault's own fields (toxic, percent, to, …) as in the experiment. */
  params: Record<string, unknown>;
  /** Epoch ms after which the fault must be gone. */
  expiresAt: number;
  /** The run it belongs to (labels on what the Kubernetes driver creates). */
  runId?: string;
  /** The blast radius as the experiment gave it (Chaos Mesh selects pods by it itself). */
  target?: Target;
  /** The driver's plan, with the originals of whatever it changes (Kubernetes: specs, replicas), recorded first. */
  plan?: unknown;
}

export interface LedgerEntry {
  fault: AppliedFault;
  runId: string;
  experiment: string;
  target: LabTarget;
  /** How to reach the lab again: the local lab's control URL, or the cluster's kubeconfig, context and namespace. */
  lab: LabRef;
  owner: { pid: number; startedAt: number };
  state: 'pending' | 'active' | 'reverted' | 'failed';
  recordedAt: number;
  injectedAt?: number;
  revertedAt?: number;
  revertedBy?: 'schedule' | 'rollback' | 'recovery' | 'reset' | 'abort';
  error?: string;
}

/** Where the ledger lives unless told otherwise: in the cache, shared by both labs and every checkout. */
export function defaultLedgerFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLEETLAB_CHAOS_LEDGER ?? join(cacheDir(env), 'chaos', 'ledger.json');
}

export class Ledger {
  constructor(readonly file: string = defaultLedgerFile()) {}

  entries(): LedgerEntry[] {
    if (!existsSync(this.file)) return [];
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { entries?: LedgerEntry[] };
      return parsed.entries ?? [];
    } catch (error) {
      throw new Error(`the chaos ledger ${this.file} is unreadable (${(error as Error).message}); fix or remove it, then run \`npm run chaos -- reset\``);
    }
  }

  private write(entries: LedgerEntry[]): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ entries }, null, 2)}\n`);
    renameSync(tmp, this.file);
  }

  /** Records a fault about to be injected. Must return before the driver touches anything. */
  record(entry: Omit<LedgerEntry, 'state' | 'recordedAt'>): LedgerEntry {
    const full: LedgerEntry = { ...entry, state: 'pending', recordedAt: Date.now() };
    this.write([...this.entries().filter((e) => e.fault.id !== entry.fault.id), full]);
    return full;
  }

  update(id: string, change: Partial<LedgerEntry>): void {
    this.write(this.entries().map((e) => (e.fault.id === id ? { ...e, ...change } : e)));
  }

  /** Entries whose fault may still be in place. */
  open(): LedgerEntry[] {
    return this.entries().filter((e) => e.state !== 'reverted');
  }

  /** Drops reverted entries older than `keepMs`, so the file doesn't grow forever. */
  prune(keepMs = 7 * 24 * 3_600_000, now = Date.now()): void {
    const kept = this.entries().filter((e) => e.state !== 'reverted' || (e.revertedAt ?? now) > now - keepMs);
    this.write(kept);
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The open entries nobody is looking after: their runner is gone, or their deadline has passed (a live runner that
 * missed its own deadline is stuck, and the fault must go anyway). A live runner's faults within their time are left
 * alone, so `status` in a second terminal doesn't end a running experiment.
 */
export function orphans(entries: LedgerEntry[], now: number, alive: (pid: number) => boolean = processAlive, selfPid = process.pid): LedgerEntry[] {
  return entries.filter((e) => {
    if (e.state === 'reverted') return false;
    if (e.fault.expiresAt <= now) return true;
    if (e.owner.pid === selfPid) return false;
    return !alive(e.owner.pid);
  });
}
