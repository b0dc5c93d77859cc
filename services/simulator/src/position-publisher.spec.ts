import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '@fleetlab/telemetry';
import { PositionPublisher, type PositionRecord } from './position-publisher';

const logger = createLogger('simulator-test', { level: 'silent' });

function messages(from: number, count: number): PositionRecord[] {
  return Array.from({ length: count }, (_, i) => ({ key: `t${from + i}`, value: String(from + i), headers: {} }));
}

/** A producer whose sends complete only when the test says so. */
function manualProducer() {
  const calls: Array<{ values: string[]; resolve: () => void; reject: (e: Error) => void }> = [];
  const send = vi.fn(
    (record: { messages: Array<{ value: unknown }>; acks?: number }) =>
      new Promise<never[]>((resolve, reject) => {
        calls.push({ values: record.messages.map((m) => String(m.value)), resolve: () => resolve([]), reject });
      }),
  );
  return { producer: { send } as never, send, calls };
}

describe('PositionPublisher', () => {
  it('keeps one send in flight and sends what piled up meanwhile as one batch', async () => {
    const { producer, send, calls } = manualProducer();
    const acked: number[] = [];
    const p = new PositionPublisher({ producer, topic: 't', maxBatchMessages: 100, logger, onAcked: (n) => acked.push(n) });
    p.enqueue(messages(0, 2));
    p.enqueue(messages(2, 3));
    p.enqueue(messages(5, 4));
    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0]?.[0].acks).toBe(-1);
    expect(p.pending).toBe(7);
    calls[0]?.resolve();
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(2));
    expect(calls[1]?.values).toEqual(['2', '3', '4', '5', '6', '7', '8']);
    calls[1]?.resolve();
    await p.flush();
    expect(acked).toEqual([2, 7]);
  });

  it('splits a backlog into batches of at most maxBatchMessages, in order', async () => {
    const { producer, calls } = manualProducer();
    const p = new PositionPublisher({ producer, topic: 't', maxBatchMessages: 4, logger });
    p.enqueue(messages(0, 10));
    const done = p.flush();
    for (let i = 0; i < 3; i++) {
      await vi.waitFor(() => expect(calls).toHaveLength(i + 1));
      calls[i]?.resolve();
    }
    await done;
    expect(calls.map((c) => c.values.length)).toEqual([4, 4, 2]);
    expect(calls.flatMap((c) => c.values)).toEqual(messages(0, 10).map((m) => m.value));
  });

  it('puts a failed batch back in front, so nothing is lost and order holds', async () => {
    const { producer, calls } = manualProducer();
    const p = new PositionPublisher({ producer, topic: 't', maxBatchMessages: 100, logger, retryDelayMs: 1 });
    p.enqueue(messages(0, 2));
    p.enqueue(messages(2, 1));
    calls[0]?.reject(new Error('broker down'));
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]?.values).toEqual(['0', '1', '2']);
    calls[1]?.resolve();
    await p.flush();
    expect(p.pending).toBe(0);
  });

  it('gives the producer its own header objects', async () => {
    const { producer, send, calls } = manualProducer();
    const headers = { traceparent: 'x' };
    const p = new PositionPublisher({ producer, topic: 't', maxBatchMessages: 10, logger });
    p.enqueue([{ key: 'k', value: 'v', headers }]);
    const sent = send.mock.calls[0]?.[0] as unknown as { messages: Array<{ headers: object }> };
    expect(sent.messages[0]?.headers).toEqual(headers);
    expect(sent.messages[0]?.headers).not.toBe(headers);
    calls[0]?.resolve();
    await p.flush();
  });
});
