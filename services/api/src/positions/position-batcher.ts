/** The timer functions the batcher needs; tests pass a fake clock. */
export interface BatcherTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realTimers: BatcherTimers = {
  setInterval: (callback, ms) => {
    const handle = setInterval(callback, ms);
    // Never keep the process alive just to flush an empty buffer.
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/**
 * Buffers items per room and, every `intervalMs`, hands each non-empty room's items to `emit` as ONE array, in
 * arrival order. Fleet subscribers get a few events a second however many vehicles move, instead of one per position.
 * Pure: no sockets, no metrics, only the injected timers and emit.
 */
export class PositionBatcher<T> {
  private readonly buffers = new Map<string, T[]>();
  private handle: unknown;

  constructor(
    private readonly intervalMs: number,
    private readonly emit: (room: string, items: T[]) => void,
    private readonly timers: BatcherTimers = realTimers,
  ) {}

  add(room: string, item: T): void {
    const buffer = this.buffers.get(room);
    if (buffer) buffer.push(item);
    else this.buffers.set(room, [item]);
  }

  /** Items waiting for the next flush, over all rooms. */
  pending(): number {
    let n = 0;
    for (const buffer of this.buffers.values()) n += buffer.length;
    return n;
  }

  /** Emits every room's buffer once and empties it; returns how many items went out. */
  flush(): number {
    if (this.buffers.size === 0) return 0;
    // Swap first, so items added by an emit callback land in the next flush rather than being lost or doubled.
    const batches = [...this.buffers];
    this.buffers.clear();
    let n = 0;
    for (const [room, items] of batches) {
      n += items.length;
      this.emit(room, items);
    }
    return n;
  }

  start(): void {
    if (this.handle !== undefined) return;
    this.handle = this.timers.setInterval(() => this.flush(), this.intervalMs);
  }

  /** Stops the timer and flushes what is left. */
  stop(): void {
    if (this.handle !== undefined) this.timers.clearInterval(this.handle);
    this.handle = undefined;
    this.flush();
  }
}
