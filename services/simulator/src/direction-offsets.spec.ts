import { describe, expect, it } from 'vitest';
import { DirectionOffsets } from './direction-offsets';

describe('DirectionOffsets', () => {
  it('commits past directions that start nothing once their batch is handled', () => {
    const offsets = new DirectionOffsets();
    expect(offsets.committable()).toEqual([]);
    offsets.handled(0, '4');
    expect(offsets.committable()).toEqual([{ partition: 0, offset: '5' }]);
  });

  it('holds a partition at the lowest direction whose trip still plays', () => {
    const offsets = new DirectionOffsets();
    offsets.track(0, '3', 'a');
    offsets.track(0, '5', 'b');
    offsets.track(1, '7', 'c');
    offsets.handled(0, '6');
    offsets.handled(1, '9');
    expect(offsets.committable()).toEqual([
      { partition: 0, offset: '3' },
      { partition: 1, offset: '7' },
    ]);
    offsets.committed(offsets.committable());
    expect(offsets.committable()).toEqual([]);
    // b is done first: a still holds partition 0.
    offsets.settle('b');
    expect(offsets.committable()).toEqual([]);
    offsets.settle('a');
    expect(offsets.committable()).toEqual([{ partition: 0, offset: '7' }]);
    offsets.settle('c');
    expect(offsets.committable()).toEqual([
      { partition: 0, offset: '7' },
      { partition: 1, offset: '10' },
    ]);
    expect(offsets.playing).toBe(0);
  });

  it('never moves back: a redelivered batch handled again keeps the furthest offset', () => {
    const offsets = new DirectionOffsets();
    offsets.handled(2, '100');
    offsets.committed(offsets.committable());
    offsets.handled(2, '50');
    expect(offsets.committable()).toEqual([]);
  });

  it('keeps a trip pending under every direction that started it, and settles them together', () => {
    const offsets = new DirectionOffsets();
    offsets.track(0, '1', 'a');
    offsets.track(0, '2', 'a');
    offsets.handled(0, '2');
    expect(offsets.committable()).toEqual([{ partition: 0, offset: '1' }]);
    offsets.settle('a');
    expect(offsets.committable()).toEqual([{ partition: 0, offset: '3' }]);
    offsets.settle('unknown');
  });
});
