// Starts one real lab (Kafka, FerretDB, Jaeger, Prometheus, the services) on free ports for the integration tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { Lab, consoleProgress, freeLabPorts, labRules, startControlServer, type TestLabEndpoints } from '../src/index';

declare module 'vitest' {
  export interface ProvidedContext {
    lab: TestLabEndpoints;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runDir = mkdtempSync(join(tmpdir(), 'fleetlab-test-'));
  const lab = new Lab({
    runDir,
    progress: consoleProgress,
    ports: await freeLabPorts(),
    logLevel: 'info',
    ruleFiles: [labRules],
    // toxiproxy and the api's fault injection, for the chaos experiments' tests.
    faults: true,
    // The browser tests stay on 127.0.0.1: no OpenStreetMap tiles, the plain background (docs/cockpit.md).
    webConfig: { tileUrl: '' },
    // Below the request schema's 1000, so read-models.test.ts can see the cap refuse.
    serviceEnv: { api: { API_MAX_ROUTES_PER_REQUEST: '900' } },
  });
  try {
    await lab.start();
  } catch (error) {
    await lab.stop();
    throw error;
  }
  const control = await startControlServer(lab, { log: (line) => consoleProgress.info(`chaos: ${line}`) });
  project.provide('lab', { ...lab.endpoints, controlUrl: control.url });
  consoleProgress.info(`integration lab up; logs in ${lab.endpoints.logDir}`);
  return async () => {
    await control.close();
    await lab.stop();
    // Keep the logs of a failed run for CI to show; a clean run leaves nothing behind.
    if (process.env.FLEETLAB_KEEP_TEST_LAB !== 'true') rmSync(runDir, { recursive: true, force: true });
  };
}
