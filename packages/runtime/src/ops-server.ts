import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from '@fleetlab/telemetry';

export interface Readiness {
  /** Names of the dependencies that are not ready; empty when ready. */
  check(): Promise<string[]> | string[];
}

export interface Liveness {
  /** Why the process cannot recover by itself (a consumer that crashed for good, say); empty while live. */
  check(): string[];
}

/**
 * The operational endpoints of a service without an HTTP framework: /healthz (live: nothing in the process has
 * given up; 503 names what has, so a supervisor restarts it), /readyz (its dependencies answer; 503 names those
 * that don't) and /metrics.
 */
export async function startOpsServer(options: {
  host: string;
  port: number;
  registry: Registry;
  readiness: Readiness;
  liveness?: Liveness;
}): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/healthz') {
      const problems = options.liveness?.check() ?? [];
      if (problems.length === 0) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else {
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'not live', problems }));
      }
      return;
    }
    if (path === '/readyz') {
      Promise.resolve(options.readiness.check())
        .then((notReady) => {
          const status = notReady.length === 0 ? 200 : 503;
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: status === 200 ? 'ready' : 'not ready', notReady }));
        })
        .catch((error: Error) => {
          res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'not ready', error: error.message }));
        });
      return;
    }
    if (path === '/metrics') {
      options.registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(body))
        .catch((error: Error) => res.writeHead(500).end(error.message));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
