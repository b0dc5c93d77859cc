// How a Jaeger search result is judged (the real Jaeger answers in chaos/test/scenarios.test.ts): the services a trace
// must span, and what counts as a failing span.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findTrace } from './telemetry';

const span = (id: string, service: string, tags: Array<[string, unknown]> = []) => ({ spanID: id, operationName: `op ${id}`, processID: service, startTime: 0, tags: tags.map(([key, value]) => ({ key, value })) });
const trace = (spans: ReturnType<typeof span>[]) => ({ traceID: 't1', spans, processes: Object.fromEntries(spans.map((s) => [s.processID, { serviceName: s.processID }])) });

function jaeger(result: ReturnType<typeof trace>): string[] {
  const urls: string[] = [];
  vi.stubGlobal('fetch', async (url: string) => {
    urls.push(url);
    return new Response(JSON.stringify({ data: [result] }), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  return urls;
}

afterEach(() => vi.unstubAllGlobals());

describe('findTrace', () => {
  const check = { name: 'x', service: 'api' as const, tags: { 'fleetlab.fleet.id': '{fleetId}' }, services: [] as Array<'api' | 'simulator' | 'consumer'>, errorSpan: false, within: 1000 };

  it('searches after the break with the tags filled in', async () => {
    const urls = jaeger(trace([span('a', 'api')]));
    expect((await findTrace('http://jaeger', check, 1_000, { fleetId: 'f-1' })).ok).toBe(true);
    const search = new URL(urls[0]!);
    expect(search.searchParams.get('start')).toBe('1000000');
    expect(JSON.parse(search.searchParams.get('tags')!)).toEqual({ 'fleetlab.fleet.id': 'f-1' });
  });

  it('needs a span from every named service', async () => {
    jaeger(trace([span('a', 'api'), span('b', 'simulator')]));
    expect(await findTrace('http://jaeger', { ...check, services: ['api', 'simulator', 'consumer'] }, 0)).toMatchObject({ ok: false, detail: 'trace t1: no span from consumer' });
  });

  it('takes a span with status ERROR, or a server span that answered 5xx, of the named service as the failing one', async () => {
    jaeger(trace([span('a', 'api', [['http.response.status_code', 200]])]));
    expect((await findTrace('http://jaeger', { ...check, errorSpan: true }, 0)).ok).toBe(false);
    jaeger(trace([span('a', 'api', [['http.response.status_code', 503]])]));
    expect(await findTrace('http://jaeger', { ...check, errorSpan: true }, 0)).toMatchObject({ ok: true, detail: expect.stringContaining('failing span api "op a"') });
    jaeger(trace([span('a', 'api'), span('b', 'consumer', [['error', true]])]));
    expect((await findTrace('http://jaeger', { ...check, errorSpan: true }, 0)).ok).toBe(false);
    jaeger(trace([span('a', 'api', [['otel.status_code', 'ERROR']])]));
    expect((await findTrace('http://jaeger', { ...check, errorSpan: true }, 0)).ok).toBe(true);
  });
});
