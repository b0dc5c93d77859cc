/**
 * Latency statistics for the driver: nearest-rank percentiles, and a millisecond histogram that keeps a soak run's
 * millions of samples in constant memory. Pure.
 */

/** Nearest-rank percentile (p in 0–100) of ascending-sorted values; undefined for no values. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  if (p <= 0) return sorted[0];
  const rank = Math.ceil((Math.min(p, 100) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)];
}

export interface Summary {
  count: number;
  min: number | undefined;
  mean: number | undefined;
  p50: number | undefined;
  p95: number | undefined;
  p99: number | undefined;
  max: number | undefined;
}

/**
 * Histogram with 1 ms buckets up to `limitMs`; above it, samples count in an overflow bucket and percentiles that land
 * there report the largest value seen. Negative samples (clock skew) count as 0. Percentiles are exact to the bucket.
 */
export class MsHistogram {
  private readonly buckets: Uint32Array;
  private overflow = 0;
  private n = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = -Infinity;

  constructor(private readonly limitMs = 60_000) {
    this.buckets = new Uint32Array(limitMs + 1);
  }

  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const v = Math.max(0, ms);
    this.n++;
    this.sum += v;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
    if (v > this.limitMs) this.overflow++;
    else this.buckets[Math.floor(v)]!++;
  }

  get count(): number {
    return this.n;
  }

  /** Nearest-rank percentile, reported as the bucket's lower bound (its upper bound for the max). */
  percentile(p: number): number | undefined {
    if (this.n === 0) return undefined;
    if (p >= 100) return this.hi;
    const rank = Math.max(1, Math.ceil((Math.max(0, p) / 100) * this.n));
    let seen = 0;
    for (let ms = 0; ms < this.buckets.length; ms++) {
      seen += this.buckets[ms]!;
      if (seen >= rank) return Math.min(Math.max(ms, this.lo), this.hi);
    }
    return this.hi;
  }

  merge(other: MsHistogram): void {
    if (other.limitMs !== this.limitMs) throw new Error('histograms of different ranges');
    for (let i = 0; i < this.buckets.length; i++) this.buckets[i]! += other.buckets[i]!;
    this.overflow += other.overflow;
    this.n += other.n;
    this.sum += other.sum;
    this.lo = Math.min(this.lo, other.lo);
    this.hi = Math.max(this.hi, other.hi);
  }

  summary(): Summary {
    return {
      count: this.n,
      min: this.n ? this.lo : undefined,
      mean: this.n ? this.sum / this.n : undefined,
      p50: this.percentile(50),
      p95: this.percentile(95),
      p99: this.percentile(99),
      max: this.n ? this.hi : undefined,
    };
  }
}
