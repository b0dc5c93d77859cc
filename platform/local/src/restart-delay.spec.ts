import { describe, expect, it } from 'vitest';
import { restartDelay } from './lab';

describe('the supervisor backoff', () => {
  it('starts at 1 s, doubles to 30 s, and starts over after a minute up', () => {
    const delays: number[] = [];
    let delay: number | undefined;
    for (let i = 0; i < 8; i += 1) {
      delay = restartDelay(delay, 500);
      delays.push(delay);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(restartDelay(30_000, 60_000)).toBe(1_000);
  });
});
