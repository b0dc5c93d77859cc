/**
 * The process that plays one scenario's break for `npm run scenario -- start` (and the scenario server): it owns the
 * faults in the chaos ledger, runs the load, writes the state for the commands and the map. SIGTERM (`stop`) reverts
 * everything and exits.
 */
import { parseArgs } from 'node:util';
import { Ledger } from '../ledger';
import { findScenario } from './catalog';
import { newState } from './game';
import { playScenario } from './play';
import { ScenarioStore } from './store';
import { defaultJaegerUrl, driverFor, type ScenarioTarget } from './target';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      'scenario-dir': { type: 'string' },
      'started-at': { type: 'string' },
      'lab-dir': { type: 'string' },
      ledger: { type: 'string' },
      jaeger: { type: 'string' },
      target: { type: 'string', default: 'local' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      namespace: { type: 'string' },
      prometheus: { type: 'string' },
      'api-url': { type: 'string' },
      'skip-probes': { type: 'string' },
    },
  });
  const loaded = findScenario(positionals[0]!);
  const store = new ScenarioStore(values['scenario-dir']);
  const state = newState(loaded.number, loaded.id, loaded.scenario.title, Number(values['started-at'] ?? Date.now()));
  state.pid = process.pid;
  store.writePlay(state);
  const controller = new AbortController();
  process.on('SIGTERM', () => controller.abort());
  process.on('SIGINT', () => controller.abort());
  const target = values.target as ScenarioTarget;
  const jaegerUrl = values.jaeger ?? defaultJaegerUrl(target);
  let driver;
  try {
    driver = await driverFor({
      target,
      labDir: values['lab-dir'],
      kubeconfig: values.kubeconfig,
      context: values.context,
      namespace: values.namespace,
      prometheusUrl: values.prometheus,
      apiUrl: values['api-url'],
      jaegerUrl,
    });
  } catch (error) {
    state.phase = 'failed';
    state.error = (error as Error).message;
    state.endedAt = Date.now();
    store.writePlay(state);
    throw error;
  }
  state.lab = {
    target,
    prometheusUrl: driver.prometheusUrl,
    jaegerUrl,
    apiUrl: driver.apiUrl,
    ...(driver.target === 'k8s' ? { context: driver.ref.context, namespace: driver.namespace } : {}),
    skipProbes: values['skip-probes'],
  };
  store.writePlay(state);
  const { state: end } = await playScenario({
    loaded,
    driver,
    jaegerUrl,
    skipProbes: values['skip-probes'],
    ledger: new Ledger(values.ledger),
    state,
    signal: controller.signal,
    onState: (s) => store.writePlay(s),
    log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  });
  return end.phase === 'restored' || end.phase === 'stopped' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`scenario ✗ ${error.stack ?? error.message}\n`);
    process.exit(3);
  },
);
