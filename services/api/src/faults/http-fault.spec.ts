import { afterEach, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@fleetlab/telemetry';
import { HttpFaults } from './http-fault';

const logger = createLogger('api-test', { level: 'silent' });
const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

describe('http fault injection', () => {
  it('is off until set, and leaves ops paths and other prefixes alone', () => {
    let now = 1_000;
    const faults = new HttpFaults(logger, () => 0, () => now);
    expect(faults.decide('/trips')).toBeUndefined();
    faults.set({ abortStatus: 503, percent: 100, pathPrefix: '/trips', expiresAt: 2_000 });
    expect(faults.decide('/trips/abc')).toEqual({ delayMs: 0, abortStatus: 503 });
    expect(faults.decide('/routes')).toBeUndefined();
    expect(faults.decide('/metrics')).toBeUndefined();
    expect(faults.decide('/readyz')).toBeUndefined();
    now = 2_000;
    expect(faults.decide('/trips/abc')).toBeUndefined();
  });

  it('hits the given share of requests', () => {
    let i = 0;
    const faults = new HttpFaults(logger, () => (i++ % 10) / 10, () => 0);
    faults.set({ delayMs: 200, percent: 30, expiresAt: 1 });
    const hits = Array.from({ length: 100 }, () => faults.decide('/routes')).filter(Boolean);
    expect(hits).toHaveLength(30);
    expect(hits[0]).toEqual({ delayMs: 200, abortStatus: undefined });
  });

  it('is set over its admin port on 127.0.0.1, and refuses a bad fault naming the field', async () => {
    const faults = new HttpFaults(logger);
    const server = await faults.listen(0);
    servers.push(server);
    expect(server.address()).toMatchObject({ address: '127.0.0.1' });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fault`;
    const bad = await fetch(url, { method: 'PUT', body: JSON.stringify({ percent: 150, expiresAt: Date.now() + 1_000 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('percent: Number must be less than or equal to 100; delayMs: needs delayMs, abortStatus or both');
    const ok = await fetch(url, { method: 'PUT', body: JSON.stringify({ abortStatus: 500, percent: 50, expiresAt: Date.now() + 60_000 }) });
    expect(ok.status).toBe(200);
    expect(((await (await fetch(url)).json()) as { fault: unknown }).fault).toMatchObject({ abortStatus: 500, percent: 50 });
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(204);
    expect(((await (await fetch(url)).json()) as { fault: unknown }).fault).toBeNull();
  });
});
