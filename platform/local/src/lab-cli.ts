/**
 * `npm run lab`: the whole no-cluster lab on 127.0.0.1 — Kafka, FerretDB, Jaeger, Prometheus, the three services
 * and a demo fleet — until Ctrl-C. Data lives in the cache and survives restarts; `--fresh` starts from empty.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlServer, type ControlServer } from './control';
import { runStateFile, type LabRunState } from './control-protocol';
import { runDemoFleet } from './demo-fleet';
import { defaultPorts, Lab } from './lab';
import { cacheDir, labRules } from './paths';
import { consoleProgress as progress } from './progress';

const args = new Set(process.argv.slice(2));
if (args.has('--help')) {
  process.stdout.write(
    'usage: npm run lab [-- --fresh] [-- --no-demo] [-- --no-telemetry] [-- --no-faults] [-- --no-tiles]\n' +
      '  --fresh         delete the lab data (Kafka topics, database) before starting\n' +
      '  --no-demo       do not start the demo fleet\n' +
      '  --no-telemetry  run the services with OpenTelemetry disabled\n' +
      '  --no-faults     no fault layer (toxiproxy, api fault injection): chaos network and http faults refused\n' +
      '  --no-tiles      the map without OpenStreetMap tiles (plain background; nothing fetched from the internet)\n',
  );
  process.exit(0);
}

const runDir = join(cacheDir(), 'lab');
if (args.has('--fresh')) rmSync(runDir, { recursive: true, force: true });

const lab = new Lab({
  runDir,
  ports: defaultPorts,
  progress,
  telemetry: !args.has('--no-telemetry'),
  ruleFiles: [labRules],
  faults: !args.has('--no-faults'),
  ...(args.has('--no-tiles') ? { webConfig: { tileUrl: '' } } : {}),
});
let control: ControlServer | undefined;
const demo = new AbortController();
let stopping = false;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    demo.abort();
    progress.step('stopping the lab');
    rmSync(join(runDir, runStateFile), { force: true });
    // No fault reset needed: stopping thaws what is frozen, and toxiproxy and the api go with the lab.
    await control?.close();
    await lab.stop().catch((error: Error) => progress.info(`while stopping: ${error.message}`));
    progress.done('stopped; nothing left running');
  }
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function main(): Promise<void> {
  await lab.start();
  const e = lab.endpoints;
  // The control endpoint (127.0.0.1 only): restarts and faults for `npm run chaos`, which finds it in the run state.
  control = await startControlServer(lab, { log: (line) => progress.info(`chaos: ${line}`) });
  const state: LabRunState = {
    controlUrl: control.url,
    pid: process.pid,
    startedAt: Date.now(),
    apiUrl: e.apiUrl,
    prometheusUrl: e.prometheusUrl,
    mongoUrl: e.mongoUrl,
    runDir,
  };
  writeFileSync(join(runDir, runStateFile), `${JSON.stringify(state, null, 2)}\n`);
  const lines = [
    '',
    'fleetlab lab is up (all on 127.0.0.1):',
    `  API             ${e.apiUrl}            e.g. curl ${e.apiUrl}/routes`,
    `  API docs        ${e.apiUrl}/docs       (OpenAPI JSON at /docs-json)`,
    `  socket.io       ${e.apiUrl}            events: new-direction, new-position, subscribe-fleet`,
    `  Jaeger API      ${e.jaegerUrl}/api/services   (trace search: /api/traces?service=api)`,
    `  Prometheus      ${e.prometheusUrl}        (targets: /targets, SLO alerts: /alerts)`,
    `  map / cockpit   ${e.webUrl}   (SLOs, alerts, trip traces; Prometheus and Jaeger at ${e.webUrl}/prometheus, /jaeger)`,
    `  metrics         ${e.apiUrl}/metrics · ${e.simulatorUrl}/metrics · ${e.consumerUrl}/metrics`,
    `  Kafka           ${e.kafkaBrokers.join(',')}   MongoDB API ${e.mongoUrl}`,
    `  logs            ${e.logDir}`,
    `  control         ${control.url}/status   (restarts, faults; 127.0.0.1 only)`,
    `  chaos           npm run chaos -- list   (faults: ${e.toxiproxyUrl ? `toxiproxy ${e.toxiproxyUrl}` : 'no fault layer'})`,
    '',
    'Crashed services, Kafka and FerretDB are restarted with backoff. Ctrl-C stops everything. Docs: docs/local-lab.md, docs/chaos.md',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  if (!args.has('--no-demo')) {
    runDemoFleet({ apiUrl: e.apiUrl, vehicles: 25, paceMs: 1000, progress }, demo.signal).catch((error: Error) => {
      if (!demo.signal.aborted) progress.info(`demo fleet stopped: ${error.message}`);
    });
  }
}

main().catch(async (error: Error) => {
  process.stderr.write(`fleetlab ✗ ${error.message}\n`);
  await stop(1);
});
