/**
 * The lab as integration tests see it. The global setup starts one lab on free ports and provides its endpoints
 * (`inject('lab')`); tests that crash or restart a service do so through the control URL, since the lab's
 * processes belong to the setup process, not to the test workers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Lab, serviceNames, type LabEndpoints, type ServiceName } from './lab';

export interface TestLabEndpoints extends LabEndpoints {
  /** POST `${controlUrl}/services/<name>/<kill|stop|start>`. */
  controlUrl: string;
}

export async function startControlServer(lab: Lab): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const match = /^\/services\/(\w+)\/(kill|stop|start)$/.exec(req.url ?? '');
    const name = match?.[1] as ServiceName | undefined;
    if (req.method !== 'POST' || !match || !name || !serviceNames.includes(name)) {
      res.writeHead(404).end();
      return;
    }
    const action = match[2];
    const done =
      action === 'kill' ? lab.killService(name) : action === 'stop' ? lab.stopService(name) : lab.startService(name);
    done
      .then(() => res.writeHead(204).end())
      .catch((error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** For test files: asks the lab to kill (SIGKILL), stop (SIGTERM) or start a service, and waits until done. */
export async function controlService(controlUrl: string, name: ServiceName, action: 'kill' | 'stop' | 'start'): Promise<void> {
  const response = await fetch(`${controlUrl}/services/${name}/${action}`, { method: 'POST' });
  if (!response.ok) throw new Error(`${action} ${name}: ${response.status} ${await response.text()}`);
}
