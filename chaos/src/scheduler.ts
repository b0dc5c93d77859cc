/**
 * Reverts on time, once. Every injected fault gets a timer for its deadline; a rollback (Ctrl-C, abort, a failed
 * step) reverts everything still on at once. Each fault is reverted exactly once however the two race, and a revert
 * that fails is retried until it succeeds or `maxAttempts` is spent (then reported, and left to the ledger).
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export type RevertReason = 'schedule' | 'rollback' | 'abort' | 'recovery' | 'reset';

export interface RevertOutcome {
  id: string;
  reason: RevertReason;
  ok: boolean;
  at: number;
  error?: string;
  attempts: number;
}

interface Scheduled {
  id: string;
  deadline: number;
  revert: () => Promise<void>;
  timer?: unknown;
  state: 'scheduled' | 'reverting' | 'done';
  promise?: Promise<RevertOutcome>;
}

export class RevertScheduler {
  private readonly faults = new Map<string, Scheduled>();
  readonly outcomes: RevertOutcome[] = [];

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly onReverted: (outcome: RevertOutcome) => void = () => {},
    private readonly maxAttempts = 3,
    private readonly retryDelayMs = 1_000,
  ) {}

  /** Schedules `revert` at `deadline` (epoch ms); a deadline already past reverts at once. */
  schedule(id: string, deadline: number, revert: () => Promise<void>): void {
    if (this.faults.has(id)) throw new Error(`fault ${id} is already scheduled`);
    const entry: Scheduled = { id, deadline, revert, state: 'scheduled' };
    this.faults.set(id, entry);
    this.arm(entry);
  }

  /** Node's timers can fire a millisecond before the wall clock reaches the deadline: never revert before it. */
  private arm(entry: Scheduled): void {
    entry.timer = this.clock.setTimeout(() => {
      if (this.clock.now() < entry.deadline) this.arm(entry);
      else void this.revert(entry.id, 'schedule');
    }, Math.max(0, entry.deadline - this.clock.now()));
  }

  /** Ids still on (scheduled and not yet reverted). */
  active(): string[] {
    return [...this.faults.values()].filter((f) => f.state !== 'done').map((f) => f.id);
  }

  /** Reverts one fault now (or joins the revert already under way). */
  revert(id: string, reason: RevertReason): Promise<RevertOutcome | undefined> {
    const entry = this.faults.get(id);
    if (!entry) return Promise.resolve(undefined);
    if (entry.promise) return entry.promise;
    this.clock.clearTimeout(entry.timer);
    entry.state = 'reverting';
    entry.promise = this.attempt(entry, reason);
    return entry.promise;
  }

  private async attempt(entry: Scheduled, reason: RevertReason): Promise<RevertOutcome> {
    let lastError = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      try {
        await entry.revert();
        return this.finish(entry, { id: entry.id, reason, ok: true, at: this.clock.now(), attempts: attempt });
      } catch (error) {
        lastError = (error as Error).message;
        if (attempt < this.maxAttempts) await new Promise((resolve) => this.clock.setTimeout(() => resolve(undefined), this.retryDelayMs));
      }
    }
    return this.finish(entry, { id: entry.id, reason, ok: false, at: this.clock.now(), attempts: this.maxAttempts, error: lastError });
  }

  private finish(entry: Scheduled, outcome: RevertOutcome): RevertOutcome {
    entry.state = 'done';
    this.outcomes.push(outcome);
    this.onReverted(outcome);
    return outcome;
  }

  /** The rollback: reverts everything still on, in reverse order of injection, all awaited. */
  async revertAll(reason: RevertReason): Promise<RevertOutcome[]> {
    const ids = [...this.faults.keys()].reverse();
    const results: RevertOutcome[] = [];
    for (const id of ids) {
      const outcome = await this.revert(id, reason);
      if (outcome) results.push(outcome);
    }
    return results;
  }

  /** Resolves when every scheduled fault has been reverted (by its timer or a rollback). */
  async settled(): Promise<RevertOutcome[]> {
    for (;;) {
      const pending = [...this.faults.values()].filter((f) => f.state !== 'done');
      if (pending.length === 0) return this.outcomes;
      await Promise.all(pending.map((f) => f.promise ?? new Promise((resolve) => this.clock.setTimeout(() => resolve(undefined), 100))));
    }
  }
}
