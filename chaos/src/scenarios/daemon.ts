/**
 * The process that plays one scenario's break for `npm run scenario -- start` (and the scenario server): it owns the
 * faults in the chaos ledger, runs the load, writes the state for the commands and the map. SIGTERM (`stop`) reverts
 * everything and exits.
 */
import { parseArgs } from 'node:util';
import { defaultPorts } from '@fleetlab/local';
import { LocalDriver } from '../drivers/local';
import { Ledger } from '../ledger';
import { findScenario } from './catalog';
import { newState } from './game';
import { playScenario } from './play';
import { ScenarioStore } from './store';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      'scenario-dir': { type: 'string' },
      'started-at': { type: 'string' },
      'lab-dir': { type: 'string' },
      ledger: { type: 'string' },
      jaeger: { type: 'string' },
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
  const driver = LocalDriver.fromRunDir(values['lab-dir']);
  const jaegerUrl = values.jaeger ?? process.env.FLEETLAB_JAEGER_URL ?? `http://127.0.0.1:${defaultPorts.jaeger.query}`;
  const { state: end } = await playScenario({
    loaded,
    driver,
    jaegerUrl,
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
