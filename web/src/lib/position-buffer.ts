// Positions arrive far faster than the screen refreshes (a fleet of 2,000 sends thousands a second): buffer them
// and apply them once per animation frame, keeping only the newest position of each trip in between.

export type FrameScheduler = (callback: () => void) => void;

export interface Sequenced {
  tripId: string;
  seq: number;
}

export const animationFrame: FrameScheduler = (callback) => {
  requestAnimationFrame(() => callback());
};

export class PositionBuffer<T extends Sequenced> {
  private pending = new Map<string, T>();
  private scheduled = false;
  private frames = 0;

  constructor(
    private readonly apply: (batch: T[]) => void,
    private readonly schedule: FrameScheduler = animationFrame,
  ) {}

  push(item: T): void {
    const current = this.pending.get(item.tripId);
    // Newest wins; an older event arriving late never moves a vehicle back. The last point (finished) is the
    // newest of its trip, so coalescing never loses a finish.
    if (current === undefined || item.seq >= current.seq) this.pending.set(item.tripId, item);
    this.arm();
  }

  pushMany(items: readonly T[]): void {
    for (const item of items) this.push(item);
  }

  /** Positions waiting for the next frame. */
  get size(): number {
    return this.pending.size;
  }

  /** Frames that applied a batch so far. */
  get appliedFrames(): number {
    return this.frames;
  }

  /** Applies everything buffered now; called by the frame callback. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.frames++;
    this.apply(batch);
  }

  private arm(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }
}
