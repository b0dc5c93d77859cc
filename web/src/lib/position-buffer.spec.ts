import { describe, expect, it, vi } from 'vitest';
import { PositionBuffer } from './position-buffer';
import { ManualFrames } from '../test/fakes';

const p = (tripId: string, seq: number, finished = false) => ({ tripId, seq, finished });

describe('PositionBuffer', () => {
  it('applies everything received between two frames once, on the frame', () => {
    const frames = new ManualFrames();
    const apply = vi.fn();
    const buffer = new PositionBuffer(apply, frames.schedule);

    buffer.push(p('a', 0));
    buffer.pushMany([p('b', 0), p('c', 0)]);
    buffer.push(p('a', 1));
    expect(frames.pending).toBe(1); // one frame requested, however many positions came
    expect(apply).not.toHaveBeenCalled();

    frames.run();
    expect(apply).toHaveBeenCalledTimes(1);
    expect(apply.mock.calls[0]![0]).toEqual([p('a', 1), p('b', 0), p('c', 0)]);
    expect(buffer.size).toBe(0);
  });

  it('keeps the newest position of a trip, so a late event never moves a vehicle back or loses its finish', () => {
    const frames = new ManualFrames();
    const apply = vi.fn();
    const buffer = new PositionBuffer(apply, frames.schedule);
    buffer.push(p('a', 5, true));
    buffer.push(p('a', 3));
    frames.run();
    expect(apply).toHaveBeenCalledWith([p('a', 5, true)]);
  });

  it('requests a new frame only after the previous one ran, and none when idle', () => {
    const frames = new ManualFrames();
    const apply = vi.fn();
    const buffer = new PositionBuffer(apply, frames.schedule);
    frames.run();
    expect(apply).not.toHaveBeenCalled();
    buffer.push(p('a', 0));
    frames.run();
    buffer.push(p('a', 1));
    expect(frames.pending).toBe(1);
    frames.run();
    expect(apply).toHaveBeenCalledTimes(2);
    expect(buffer.appliedFrames).toBe(2);
  });
});
