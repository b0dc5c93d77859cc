import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RevertScheduler, systemClock } from './scheduler';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_000_000);
});
afterEach(() => vi.useRealTimers());

describe('the revert scheduler', () => {
  it('reverts each fault at its deadline, not before', async () => {
    const reverted: string[] = [];
    const s = new RevertScheduler(systemClock);
    s.schedule('a', 1_000_000 + 5_000, async () => void reverted.push('a'));
    s.schedule('b', 1_000_000 + 10_000, async () => void reverted.push('b'));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(reverted).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(reverted).toEqual(['a']);
    expect(s.active()).toEqual(['b']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(reverted).toEqual(['a', 'b']);
    expect(s.outcomes.map((o) => [o.id, o.reason, o.ok])).toEqual([['a', 'schedule', true], ['b', 'schedule', true]]);
  });

  it("a timer that fires before the wall clock reaches the deadline (as Node's can, by a millisecond) waits for it", async () => {
    const reverted: number[] = [];
    // Its first timer fires a millisecond early, as Node's can against the wall clock.
    let first = true;
    const early = {
      ...systemClock,
      setTimeout: (fn: () => void, ms: number) => {
        const delay = first ? ms - 1 : ms;
        first = false;
        return setTimeout(fn, Math.max(0, delay));
      },
    };
    const s = new RevertScheduler(early);
    const deadline = 1_000_000 + 5_000;
    s.schedule('a', deadline, async () => void reverted.push(Date.now()));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(reverted).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(reverted).toEqual([deadline]);
  });

  it('a deadline already past reverts at once', async () => {
    const revert = vi.fn(async () => {});
    new RevertScheduler(systemClock).schedule('late', 1_000_000 - 1, revert);
    await vi.advanceTimersByTimeAsync(0);
    expect(revert).toHaveBeenCalledOnce();
  });

  it('a rollback reverts everything still on, newest first, and the timers then do nothing', async () => {
    const order: string[] = [];
    const s = new RevertScheduler(systemClock);
    for (const id of ['a', 'b', 'c']) s.schedule(id, 1_000_000 + 60_000, async () => void order.push(id));
    await vi.advanceTimersByTimeAsync(1_000);
    const outcomes = await s.revertAll('rollback');
    expect(order).toEqual(['c', 'b', 'a']);
    expect(outcomes.every((o) => o.reason === 'rollback' && o.ok)).toBe(true);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(order).toEqual(['c', 'b', 'a']);
  });

  it('reverts once when the timer and a rollback race', async () => {
    let release!: () => void;
    const revert = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    const s = new RevertScheduler(systemClock);
    s.schedule('a', 1_000_000 + 1_000, revert);
    await vi.advanceTimersByTimeAsync(1_000);
    const rollback = s.revertAll('rollback');
    release();
    const [outcome] = await rollback;
    expect(revert).toHaveBeenCalledOnce();
    expect(outcome).toMatchObject({ id: 'a', reason: 'schedule', ok: true });
  });

  it('retries a failing revert, then reports it failed', async () => {
    const revert = vi.fn(async () => {
      throw new Error('lab unreachable');
    });
    const seen: unknown[] = [];
    const s = new RevertScheduler(systemClock, (o) => seen.push(o), 3, 1_000);
    s.schedule('a', 1_000_000, revert);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(revert).toHaveBeenCalledTimes(3);
    expect(seen).toEqual([expect.objectContaining({ id: 'a', ok: false, attempts: 3, error: 'lab unreachable' })]);
  });

  it('recovers on a retry', async () => {
    let calls = 0;
    const s = new RevertScheduler(systemClock, () => {}, 3, 1_000);
    s.schedule('a', 1_000_000, async () => {
      calls += 1;
      if (calls === 1) throw new Error('busy');
    });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(s.outcomes).toEqual([expect.objectContaining({ ok: true, attempts: 2 })]);
  });
});
