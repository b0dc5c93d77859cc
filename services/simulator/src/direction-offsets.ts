/**
 * Which `route.new-direction` offsets the simulator may commit. A direction is done once its trip is played out (its
 * last position acknowledged by Kafka), cancelled or handed on at shutdown; a direction that starts nothing
 * (dropped, dead-lettered, a duplicate) is done once its batch is handled. A partition's committed offset is its
 * lowest direction not done, so a crash (SIGKILL, OOM) redelivers the directions of every trip that was still
 * playing, and the next simulator plays them again: positions are idempotent by (tripId, seq) downstream.
 */
export interface PartitionOffset {
  partition: number;
  /** The next offset to read, as Kafka's commit takes it. */
  offset: string;
}

interface PartitionState {
  /** Offsets of directions whose trip is still playing here. */
  pending: Set<bigint>;
  /** One past the last offset handled. */
  next: bigint;
  committed: bigint;
}

export class DirectionOffsets {
  private readonly partitions = new Map<number, PartitionState>();
  private readonly byTrip = new Map<string, Array<{ partition: number; offset: bigint }>>();

  private state(partition: number): PartitionState {
    let s = this.partitions.get(partition);
    if (!s) {
      s = { pending: new Set(), next: -1n, committed: -1n };
      this.partitions.set(partition, s);
    }
    return s;
  }

  /** The direction at (partition, offset) started trip `tripId`: not done until `settle(tripId)`. */
  track(partition: number, offset: string, tripId: string): void {
    const at = BigInt(offset);
    this.state(partition).pending.add(at);
    const list = this.byTrip.get(tripId) ?? [];
    list.push({ partition, offset: at });
    this.byTrip.set(tripId, list);
  }

  /** Every direction of the partition up to `lastOffset` is handled; the untracked ones are done. */
  handled(partition: number, lastOffset: string): void {
    const s = this.state(partition);
    const next = BigInt(lastOffset) + 1n;
    if (next > s.next) s.next = next;
  }

  /** The trip is played out, cancelled or handed on: its directions are done. */
  settle(tripId: string): void {
    const list = this.byTrip.get(tripId);
    if (!list) return;
    this.byTrip.delete(tripId);
    for (const { partition, offset } of list) this.partitions.get(partition)?.pending.delete(offset);
  }

  /** Trips whose directions are not done yet. */
  get playing(): number {
    return this.byTrip.size;
  }

  /** Per partition whose committable offset moved since the last `committed`: the offset to commit. */
  committable(): PartitionOffset[] {
    const out: PartitionOffset[] = [];
    for (const [partition, s] of this.partitions) {
      if (s.next < 0n) continue;
      let low = s.next;
      for (const offset of s.pending) if (offset < low) low = offset;
      if (low > s.committed) out.push({ partition, offset: low.toString() });
    }
    return out;
  }

  committed(offsets: readonly PartitionOffset[]): void {
    for (const { partition, offset } of offsets) {
      const s = this.state(partition);
      const at = BigInt(offset);
      if (at > s.committed) s.committed = at;
    }
  }
}
