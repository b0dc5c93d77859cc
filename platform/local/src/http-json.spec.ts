import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchJson } from './http-json';

describe('fetchJson', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ method?: string; type?: string; body: string }> = [];

  beforeAll(async () => {
    // Answers /json with JSON, /text with plain text, /slow never; records what it was sent.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (b: Buffer) => (body += b.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, type: req.headers['content-type'], body });
        if (req.url === '/json') res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, echo: body }));
        else if (req.url === '/text') res.writeHead(409, { 'content-type': 'text/plain' }).end('fault already active');
        else if (req.url === '/empty') res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('GETs without a body or content type, and parses a JSON answer', async () => {
    const answer = await fetchJson<{ ok: boolean }>(`${url}/json`);
    expect(answer).toEqual({ status: 201, body: { ok: true, echo: '' } });
    expect(seen.at(-1)).toEqual({ method: 'GET', type: undefined, body: '' });
  });

  it('POSTs a body as JSON, or as it is when it is a string', async () => {
    await fetchJson(`${url}/json`, { body: { kind: 'kill' } });
    expect(seen.at(-1)).toEqual({ method: 'POST', type: 'application/json', body: '{"kind":"kill"}' });
    await fetchJson(`${url}/json`, { method: 'PUT', body: '{"routeId": ' });
    expect(seen.at(-1)).toEqual({ method: 'PUT', type: 'application/json', body: '{"routeId": ' });
  });

  it('keeps an answer that is not JSON as its text, with its status', async () => {
    expect(await fetchJson(`${url}/text`, { method: 'DELETE' })).toEqual({ status: 409, body: 'fault already active' });
    expect(await fetchJson(`${url}/empty`)).toEqual({ status: 204, body: '' });
  });

  it('gives up after timeoutMs', async () => {
    await expect(fetchJson(`${url}/slow`, { timeoutMs: 200 })).rejects.toThrow(/timeout|aborted/i);
  });
});
