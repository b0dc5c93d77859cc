/**
 * The lab's control endpoint on 127.0.0.1 (routes in control-protocol.ts): what the chaos runner and the
 * integration tests use to see restarts and to inject and revert faults. Bound to the loopback address only, and
 * it refuses requests whose Host is not a loopback name, so a web page cannot reach it through DNS rebinding.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { faultableComponents, type FaultableComponent, type FaultRequest, type LabStatus } from './control-protocol';
import { FaultError, LabFaults } from './faults';
import { serviceNames, type Lab, type ServiceName } from './lab';

export interface ControlServer {
  url: string;
  server: Server;
  faults: LabFaults;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new FaultError('body larger than 64 KiB', 413);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new FaultError('body: malformed JSON');
  }
}

export async function startControlServer(lab: Lab, options: { port?: number; log?: (line: string) => void } = {}): Promise<ControlServer> {
  const faults = new LabFaults(lab, options.log);
  const server = createServer((req, res) => {
    const send = (status: number, body?: unknown): void => {
      if (body === undefined) res.writeHead(status).end();
      else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
      send(403, { error: 'the lab control endpoint answers only loopback requests' });
      return;
    }
    const url = req.url ?? '';
    const handle = async (): Promise<void> => {
      let m: RegExpExecArray | null;
      if (req.method === 'GET' && url === '/status') {
        const status: LabStatus = { components: lab.componentStatus(), faults: faults.list(), faultProxies: lab.endpoints.toxiproxyUrl !== undefined };
        send(200, status);
      } else if (req.method === 'POST' && url === '/faults') {
        send(201, await faults.inject((await readJson(req)) as FaultRequest));
      } else if (req.method === 'DELETE' && (m = /^\/faults\/([\w.-]+)$/.exec(url))) {
        send((await faults.revert(m[1]!)) ? 200 : 404, { id: m[1] });
      } else if (req.method === 'POST' && url === '/reset') {
        send(200, { reverted: await faults.reset() });
      } else if (req.method === 'POST' && (m = /^\/components\/(\w+)\/ready$/.exec(url)) && (faultableComponents as readonly string[]).includes(m[1]!)) {
        await lab.ensureReady(m[1] as FaultableComponent);
        send(204);
      } else if (req.method === 'POST' && (m = /^\/services\/(\w+)\/(kill|stop|start)$/.exec(url)) && (serviceNames as readonly string[]).includes(m[1]!)) {
        const name = m[1] as ServiceName;
        const action = m[2];
        await (action === 'kill' ? lab.killService(name) : action === 'stop' ? lab.stopService(name) : lab.startService(name));
        send(204);
      } else {
        send(404, { error: `no route ${req.method} ${url}` });
      }
    };
    handle().catch((error: Error) => {
      const status = error instanceof FaultError ? error.status : 500;
      if (!res.headersSent) send(status, { error: error.message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    faults,
    close: async () => {
      faults.dispose();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
