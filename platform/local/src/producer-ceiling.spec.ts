import { describe, expect, it } from 'vitest';
import { messageBytes, parseProducerPerformanceSummary, simulatorProducerProps } from './producer-ceiling';

// Captured from `npm run bench -- --vehicles 200 --points 10 --ceiling-records 50000` (kafka-tools 4.1.1).
const summary =
  '50000 records sent, 44923.6 records/sec (16.97 MB/sec), 39.42 ms avg latency, 352.00 ms max latency, 30 ms 50th, 91 ms 95th, 107 ms 99th, 110 ms 99.9th.';
// The 5-second progress line has the same opening and stops after the max latency (Stats.printWindow's format).
const progressLine = '31207 records sent, 6241.4 records/sec (2.36 MB/sec), 1523.8 ms avg latency, 2410.0 ms max latency.';

describe('parseProducerPerformanceSummary', () => {
  it('reads every number of the final line', () => {
    expect(parseProducerPerformanceSummary(summary)).toEqual({
      records: 50000,
      recordsPerSecond: 44923.6,
      mbPerSecond: 16.97,
      avgLatencyMs: 39.42,
      maxLatencyMs: 352,
      p50Ms: 30,
      p95Ms: 91,
      p99Ms: 107,
      p999Ms: 110,
    });
  });

  it('finds the summary among progress lines and broker warnings', () => {
    const output = [progressLine, '[2026-11-25 20:35:50,120] WARN something (org.apache.kafka.clients.NetworkClient)', summary, ''].join('\n');
    expect(parseProducerPerformanceSummary(output).records).toBe(50000);
  });

  it('does not take a progress line for the summary, and says how the output ended', () => {
    expect(() => parseProducerPerformanceSummary(`${progressLine}\n`)).toThrow(/no ProducerPerformance summary line.*ms max latency\./);
  });
});

describe('messageBytes', () => {
  it('counts key, value and every header name and value, in bytes', () => {
    const message = {
      key: Buffer.from('trip-1'),
      value: Buffer.from('{"place":"Zürich"}'),
      headers: { traceparent: Buffer.from('00-ab-cd-01'), tags: ['é', Buffer.from('b')] },
    };
    expect(messageBytes(message)).toBe(6 + 19 + (11 + 11) + (4 + 2) + (4 + 1));
  });

  it('counts a message without key or headers by its value', () => {
    expect(messageBytes({ key: null, value: Buffer.from('abc'), headers: {} })).toBe(3);
  });
});

describe('simulatorProducerProps', () => {
  it('fits one simulator send (5,000 records) in one request and a partition share of it in one batch', () => {
    const props = Object.fromEntries(
      simulatorProducerProps({ brokers: ['127.0.0.1:9092'], partitions: 6, recordBytes: 396 }).map((p) => p.split('=') as [string, string]),
    );
    expect(props).toMatchObject({ acks: 'all', 'compression.type': 'none', 'max.in.flight.requests.per.connection': '1', 'linger.ms': '0' });
    expect(Number(props['max.request.size'])).toBeGreaterThanOrEqual(5_000 * 396);
    expect(Number(props['batch.size'])).toBeGreaterThanOrEqual(Math.ceil(5_000 / 6) * 396);
  });
});
