import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { repoRoot } from './paths';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export const webDist = join(repoRoot, 'web', 'dist');

/** What the map reads from /config.json at start: where the api is, where traces and dashboards open. */
export type WebConfig = Record<string, string>;

/**
 * A read-only, same-origin path to a lab service for the browser: `/prometheus/api/v1/…` → Prometheus,
 * `/jaeger/api/…` → Jaeger's query API. Only GET and HEAD, only under `allow` (docs/cockpit.md says why).
 */
export interface WebProxy {
  /** Path prefix on the web server, e.g. `/prometheus`. */
  prefix: string;
  /** Base URL of the service, e.g. http://127.0.0.1:9090. */
  target: string;
  /** Paths (after the prefix) that may be asked for, e.g. `/api/v1/`. */
  allow: string[];
}

/** Forwards one GET/HEAD to a proxy's target; the answer streams back as it is, a dead target is a 502 that says so. */
function forward(proxy: WebProxy, rest: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end(`${proxy.prefix} is read-only: GET or HEAD\n`);
    return;
  }
  if (!proxy.allow.some((p) => rest.startsWith(p))) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`${proxy.prefix} serves only ${proxy.allow.join(', ')}\n`);
    return;
  }
  const search = new URL(req.url ?? '/', 'http://localhost').search;
  const target = new URL(rest + search, proxy.target);
  const upstream = httpRequest(
    target,
    { method: req.method, headers: { accept: req.headers.accept ?? '*/*' }, timeout: 30_000 },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, {
        'content-type': answer.headers['content-type'] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      answer.pipe(res);
    },
  );
  upstream.on('timeout', () => upstream.destroy(new Error('no answer within 30 s')));
  upstream.on('error', (error) => {
    if (res.headersSent) res.destroy();
    else res.writeHead(502, { 'content-type': 'text/plain' }).end(`${proxy.prefix}: ${proxy.target} unreachable (${error.message})\n`);
  });
  upstream.end();
}

/**
 * Serves the built map (web/dist) and its runtime /config.json on 127.0.0.1, as nginx does in Kubernetes: the same
 * build runs anywhere, only the config differs. `proxies` give the browser same-origin, read-only paths to the lab's
 * Prometheus and Jaeger APIs, as nginx does in the cluster.
 */
export async function serveWeb(options: { port: number; config: WebConfig; distDir?: string; proxies?: WebProxy[] }): Promise<{ url: string; close(): Promise<void> }> {
  const dir = options.distDir ?? webDist;
  await stat(join(dir, 'index.html')).catch(() => {
    throw new Error(`${dir}/index.html is missing: run \`npm run build -w web\` first`);
  });
  const server = createServer((req, res) => {
    void (async () => {
      const rawPath = new URL(req.url ?? '/', 'http://localhost').pathname;
      const proxy = options.proxies?.find((p) => rawPath.startsWith(`${p.prefix}/`));
      if (proxy) {
        forward(proxy, rawPath.slice(proxy.prefix.length), req, res);
        return;
      }
      const path = decodeURIComponent(rawPath);
      if (path === '/config.json') {
        res.writeHead(200, { 'content-type': TYPES['.json']!, 'cache-control': 'no-store' }).end(JSON.stringify(options.config));
        return;
      }
      const file = normalize(join(dir, path === '/' ? 'index.html' : path));
      if (file !== dir && !file.startsWith(dir + sep)) {
        res.writeHead(403).end();
        return;
      }
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
