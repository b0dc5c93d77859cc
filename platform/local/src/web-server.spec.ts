import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveWeb } from './web-server';
import { freePort } from './ports';

describe('the web server\'s same-origin proxies', () => {
  let upstream: Server;
  let web: { url: string; close(): Promise<void> };
  const seen: string[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', url: req.url }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const dist = mkdtempSync(join(tmpdir(), 'fleetlab-web-'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html>');
    const deadPort = await freePort();
    web = await serveWeb({
      port: await freePort(),
      distDir: dist,
      config: { apiUrl: '' },
      proxies: [
        { prefix: '/prometheus', target: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, allow: ['/api/v1/query', '/api/v1/alerts'] },
        { prefix: '/jaeger', target: `http://127.0.0.1:${deadPort}`, allow: ['/api/traces'] },
      ],
    });
  });

  afterAll(async () => {
    await web?.close();
    upstream?.close();
  });

  it('forwards a GET with its query string and answers with the service\'s own body', async () => {
    const response = await fetch(`${web.url}/prometheus/api/v1/query?query=${encodeURIComponent('up{job="api"}')}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ status: 'success', url: '/api/v1/query?query=up%7Bjob%3D%22api%22%7D' });
  });

  it('is read-only and serves only the allowed paths', async () => {
    const before = seen.length;
    const post = await fetch(`${web.url}/prometheus/api/v1/query`, { method: 'POST', body: 'query=up' });
    expect(post.status).toBe(405);
    const admin = await fetch(`${web.url}/prometheus/api/v1/admin/tsdb/delete_series`);
    expect(admin.status).toBe(404);
    expect(await admin.text()).toContain('/api/v1/query, /api/v1/alerts');
    expect(seen.length).toBe(before);
  });

  it('answers 502 naming the service when it is down, and still serves the app', async () => {
    const response = await fetch(`${web.url}/jaeger/api/traces?service=api`);
    expect(response.status).toBe(502);
    expect(await response.text()).toMatch(/\/jaeger: http:\/\/127\.0\.0\.1:\d+ unreachable/);
    expect((await fetch(`${web.url}/`)).status).toBe(200);
  });
});
