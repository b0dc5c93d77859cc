import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonApi, type FetchLike } from './http-json';

const Answer = z.object({ status: z.literal('success'), data: z.object({ count: z.number() }) });

function answering(status: number, body: string, seen: string[] = []): FetchLike {
  return async (input) => {
    seen.push(input);
    return new Response(body, { status, statusText: status === 503 ? 'Service Unavailable' : 'OK', headers: { 'content-type': 'application/json' } });
  };
}

describe('JsonApi', () => {
  it('GETs the path under its base URL and returns the answer as its schema parses it', async () => {
    const seen: string[] = [];
    const api = new JsonApi('Prometheus', 'http://127.0.0.1:5173/prometheus', answering(200, '{"status":"success","data":{"count":3},"extra":1}', seen), 1_000);
    expect(await api.get('/api/v1/query?query=up', Answer)).toEqual({ status: 'success', data: { count: 3 } });
    expect(seen).toEqual(['http://127.0.0.1:5173/prometheus/api/v1/query?query=up']);
  });

  it('names the API, the path and the first field that differs when the answer has another shape', async () => {
    const api = new JsonApi('Jaeger', 'http://jaeger', answering(200, '{"status":"success","data":{"count":"3"}}'), 1_000);
    await expect(api.get('/api/traces/abc', Answer)).rejects.toThrow('Jaeger: unexpected answer from /api/traces/abc (data.count: Expected number, received string)');
    const root = new JsonApi('Jaeger', 'http://jaeger', answering(200, '[]'), 1_000);
    await expect(root.get('/x', Answer)).rejects.toThrow('Jaeger: unexpected answer from /x ((root): Expected object, received array)');
  });

  it('says what went wrong on the way: an HTTP error, no JSON, no answer at all', async () => {
    await expect(new JsonApi('Prometheus', 'http://p', answering(503, 'overloaded'), 1_000).get('/a', Answer)).rejects.toThrow('Prometheus: 503 Service Unavailable (http://p/a): overloaded');
    await expect(new JsonApi('Prometheus', 'http://p', answering(200, '<html>'), 1_000).get('/a', Answer)).rejects.toThrow('Prometheus: not JSON (http://p/a)');
    const unreachable: FetchLike = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(new JsonApi('Prometheus', 'http://p', unreachable, 1_000).get('/a', Answer)).rejects.toThrow('Prometheus unreachable at http://p/a (fetch failed)');
    const silent: FetchLike = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    await expect(new JsonApi('Prometheus', 'http://p', silent, 50).get('/a', Answer)).rejects.toThrow('Prometheus: no answer within 0.05 s (http://p/a)');
  });
});
