/**
 * The lab as integration tests see it. The global setup starts one lab on free ports and provides its endpoints
 * (`inject('lab')`); tests that crash or restart a service, or inject faults, do so through the control URL, since
 * the lab's processes belong to the setup process, not to the test workers.
 */
import type { LabEndpoints, ServiceName } from './lab';

export { startControlServer } from './control';

export interface TestLabEndpoints extends LabEndpoints {
  /** The lab's control endpoint (control-protocol.ts), e.g. POST `${controlUrl}/services/<name>/<kill|stop|start>`. */
  controlUrl: string;
}

/** For test files: asks the lab to kill (SIGKILL, then a supervised restart), stop (SIGTERM, held down) or start a service, and waits until done. */
export async function controlService(controlUrl: string, name: ServiceName, action: 'kill' | 'stop' | 'start'): Promise<void> {
  const response = await fetch(`${controlUrl}/services/${name}/${action}`, { method: 'POST' });
  if (!response.ok) throw new Error(`${action} ${name}: ${response.status} ${await response.text()}`);
}
