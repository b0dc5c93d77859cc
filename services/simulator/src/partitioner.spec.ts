import { Partitioners, type PartitionerArgs, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { CachingDefaultPartitioner, cachingPartitioner } from './partitioner';

const metadata = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));

const args = (key: string | undefined, count: number, partition?: number): PartitionerArgs => ({
  topic: 'route.new-position',
  partitionMetadata: metadata(count),
  message: { key, value: '{}', ...(partition !== undefined ? { partition } : {}) },
});

describe('CachingDefaultPartitioner', () => {
  const keys = Array.from({ length: 500 }, (_, i) => `trip-${i}-${(i * 7919).toString(36)}`);

  it('chooses what the default partitioner chooses, first time and cached', () => {
    const reference = Partitioners.DefaultPartitioner();
    const caching = CachingDefaultPartitioner();
    for (const round of [1, 2]) {
      for (const key of keys) expect(caching(args(key, 6)), `${key} round ${round}`).toBe(reference(args(key, 6)));
    }
    // Spread over every partition, as murmur2 spreads them.
    expect(new Set(keys.map((key) => caching(args(key, 6)))).size).toBe(6);
  });

  it('follows a change of partition count', () => {
    const reference = Partitioners.DefaultPartitioner();
    const caching = CachingDefaultPartitioner();
    for (const key of keys) caching(args(key, 6));
    const moved = keys.filter((key) => caching(args(key, 12)) !== caching(args(key, 6)));
    expect(moved.length).toBeGreaterThan(0);
    for (const key of keys) expect(caching(args(key, 12))).toBe(reference(args(key, 12)));
  });

  it('keeps an explicit partition and spreads keyless messages', () => {
    const caching = CachingDefaultPartitioner();
    expect(caching(args('trip-1', 6, 4))).toBe(4);
    expect(new Set(Array.from({ length: 12 }, () => caching(args(undefined, 6)))).size).toBe(6);
  });

  it('stays bounded: it remembers at most its maximum of keys, and still answers right', () => {
    let hashed = 0;
    const counting = () => {
      const reference = Partitioners.DefaultPartitioner();
      return (a: PartitionerArgs) => {
        hashed++;
        return reference(a);
      };
    };
    const maxKeys = 100;
    const caching = cachingPartitioner(counting, maxKeys)();
    const many = Array.from({ length: 3 * maxKeys + 7 }, (_, i) => `k${i}`);
    for (const key of many) caching(args(key, 6));
    hashed = 0;
    // Asked again, every key it does not remember is hashed again: at most maxKeys of them are remembered.
    const reference = Partitioners.DefaultPartitioner();
    for (const key of many) expect(caching(args(key, 6))).toBe(reference(args(key, 6)));
    expect(hashed).toBeGreaterThanOrEqual(many.length - maxKeys);
  });
});
