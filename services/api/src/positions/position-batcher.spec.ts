import { describe, expect, it } from 'vitest';
import { PositionBatcher, type BatcherTimers } from './position-batcher';

/** A fake clock: intervals fire only when the test advances time. */
class FakeClock implements BatcherTimers {
  now = 0;
  private readonly intervals = new Map<number, { callback: () => void; ms: number; next: number }>();
  private nextId = 1;

  setInterval(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.intervals.set(id, { callback, ms, next: this.now + ms });
    return id;
  }

  clearInterval(handle: unknown): void {
    this.intervals.delete(handle as number);
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.intervals.values()].filter((t) => t.next <= until).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      this.now = due.next;
      due.next += due.ms;
      due.callback();
    }
    this.now = until;
  }

  active(): number {
    return this.intervals.size;
  }
}

function setup() {
  const clock = new FakeClock();
  const emitted: Array<{ at: number; room: string; items: number[] }> = [];
  const batcher = new PositionBatcher<number>(250, (room, items) => emitted.push({ at: clock.now, room, items }), clock);
  return { clock, emitted, batcher };
}

describe('PositionBatcher', () => {
  it('emits nothing before the interval, then one array per room in arrival order', () => {
    const { clock, emitted, batcher } = setup();
    batcher.start();
    for (let i = 0; i < 1000; i++) batcher.add(i % 2 === 0 ? 'fleet:a' : 'fleet:*', i);
    batcher.add('fleet:*', 1000);
    clock.advance(249);
    expect(emitted).toEqual([]);
    expect(batcher.pending()).toBe(1001);
    clock.advance(1);
    expect(emitted).toHaveLength(2);
    expect(emitted.map((e) => e.room)).toEqual(['fleet:a', 'fleet:*']);
    expect(emitted[0]!.items).toEqual(Array.from({ length: 500 }, (_, i) => i * 2));
    expect(emitted[1]!.items).toEqual([...Array.from({ length: 500 }, (_, i) => i * 2 + 1), 1000]);
    expect(emitted.every((e) => e.at === 250)).toBe(true);
    expect(batcher.pending()).toBe(0);
  });

  it('skips empty rooms and flushes again on the next tick only what arrived since', () => {
    const { clock, emitted, batcher } = setup();
    batcher.start();
    clock.advance(1000);
    expect(emitted).toEqual([]);
    batcher.add('fleet:x', 1);
    clock.advance(250);
    batcher.add('fleet:x', 2);
    batcher.add('fleet:x', 3);
    clock.advance(250);
    expect(emitted).toEqual([
      { at: 1250, room: 'fleet:x', items: [1] },
      { at: 1500, room: 'fleet:x', items: [2, 3] },
    ]);
  });

  it('keeps items added during an emit for the next flush', () => {
    const clock = new FakeClock();
    const emitted: number[][] = [];
    const batcher: PositionBatcher<number> = new PositionBatcher<number>(
      100,
      (_room, items) => {
        emitted.push(items);
        if (items[0] === 1) batcher.add('r', 2);
      },
      clock,
    );
    batcher.start();
    batcher.add('r', 1);
    clock.advance(100);
    clock.advance(100);
    expect(emitted).toEqual([[1], [2]]);
  });

  it('stops its timer and flushes what is left on stop', () => {
    const { clock, emitted, batcher } = setup();
    batcher.start();
    batcher.start();
    expect(clock.active()).toBe(1);
    batcher.add('fleet:*', 7);
    batcher.stop();
    expect(clock.active()).toBe(0);
    expect(emitted).toEqual([{ at: 0, room: 'fleet:*', items: [7] }]);
    batcher.add('fleet:*', 8);
    clock.advance(10_000);
    expect(emitted).toHaveLength(1);
  });
});
