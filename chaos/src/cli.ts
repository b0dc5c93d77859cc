#!/usr/bin/env node
/**
 * `npm run chaos -- list | show <name> | run <name> [--target local|k8s] | status | reset | validate`
 * Every command first reverts faults a crashed runner left behind (found in the ledger).
 */
import { parseArgs } from 'node:util';
import { experimentNames, experimentsDir, loadAll, loadExperiment } from './experiments';
import { LocalDriver, defaultLabDir } from './drivers/local';
import { Ledger } from './ledger';
import { recoverOrphans, resetEverything, revertOwn } from './recovery';
import { runExperiment } from './runner';
import { methodLength } from './schema';

const USAGE = `usage: npm run chaos -- <command>
  list                         the experiments in chaos/experiments
  show <name>                  one experiment, validated, with its defaults
  run <name> [--target local]  run it against the lab (local: the one \`npm run lab\` started)
  status                       the lab's components (restarts) and every fault on, from the lab and the ledger
  reset                        the kill switch: revert every fault this tool ever made, in every lab it knows
  validate                     check every experiment file against the schema
options: --lab-dir <dir> (or FLEETLAB_LAB_DIR) the local lab's run dir; --ledger <file> (or FLEETLAB_CHAOS_LEDGER)
docs: docs/chaos.md`;

const out = (line = ''): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      target: { type: 'string', default: 'local' },
      'lab-dir': { type: 'string' },
      ledger: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, name] = positionals;
  if (values.help || !command) {
    out(USAGE);
    return command ? 0 : 2;
  }
  const ledger = new Ledger(values.ledger);
  const labDir = values['lab-dir'] ?? defaultLabDir();

  // Whatever the command: faults a crashed runner left behind go first.
  if (command !== 'list' && command !== 'show' && command !== 'validate') {
    const recovered = await recoverOrphans(ledger);
    for (const id of recovered.reverted) out(`chaos: reverted ${id}, left behind by a runner that is gone or past its deadline`);
    for (const f of recovered.failed) out(`chaos: could not revert ${f.id} left behind: ${f.error} (npm run chaos -- reset)`);
  }

  switch (command) {
    case 'list': {
      for (const { name: n, experiment: e } of loadAll()) {
        const faults = e.method.map((f) => `${f.fault} ${f.target.components.join(',')}`).join(' + ');
        out(`${n.padEnd(28)} ${e.title}  [${faults}; ${methodLength(e) / 1000} s; ${e.targets.join(',')}]`);
      }
      out(`\n${experimentNames().length} experiments in ${experimentsDir}; npm run chaos -- show <name> | run <name>`);
      return 0;
    }
    case 'validate': {
      let bad = 0;
      for (const n of experimentNames()) {
        try {
          loadExperiment(n);
          out(`✓ ${n}`);
        } catch (error) {
          bad += 1;
          out(`✗ ${(error as Error).message}`);
        }
      }
      return bad === 0 ? 0 : 1;
    }
    case 'show': {
      if (!name) throw new Error('show needs an experiment name (npm run chaos -- list)');
      const loaded = loadExperiment(name);
      out(`# ${loaded.file}`);
      out(JSON.stringify(loaded.experiment, null, 2));
      out(`\nrun it: npm run chaos -- run ${loaded.name}`);
      return 0;
    }
    case 'run': {
      if (!name) throw new Error('run needs an experiment name (npm run chaos -- list)');
      const loaded = loadExperiment(name);
      if (values.target !== 'local') {
        out(`chaos: the ${values.target} target is not built yet; only --target local runs (docs/chaos.md)`);
        return 2;
      }
      if (!loaded.experiment.targets.includes('local')) {
        out(`chaos: ${name} does not run in the local lab (targets: ${loaded.experiment.targets.join(', ')})`);
        return 2;
      }
      const driver = LocalDriver.fromRunDir(labDir);
      const controller = new AbortController();
      let interrupts = 0;
      const interrupt = (): void => {
        interrupts += 1;
        if (interrupts === 1) out('\nchaos: stopping — reverting every fault and running the rollbacks (Ctrl-C again to leave them to the ledger)');
        if (interrupts > 1) process.exit(130);
        controller.abort();
      };
      process.on('SIGINT', interrupt);
      process.on('SIGTERM', interrupt);
      // A crash of the runner itself: revert what this process put in, then fail. (kill -9 leaves it to the ledger
      // and to the lab's own expiry.)
      const crashed = (error: unknown): void => {
        process.stderr.write(`chaos ✗ crashed: ${String((error as Error)?.stack ?? error)}\nreverting this run's faults\n`);
        void revertOwn(ledger).finally(() => process.exit(3));
      };
      process.on('uncaughtException', crashed);
      process.on('unhandledRejection', crashed);
      const report = await runExperiment({ name: loaded.name, experiment: loaded.experiment, driver, ledger, signal: controller.signal });
      out(`status: npm run chaos -- status · Prometheus alerts: ${driver.prometheusUrl}/alerts`);
      return report.verdict.exitCode;
    }
    case 'status': {
      const open = ledger.open();
      try {
        const driver = LocalDriver.fromRunDir(labDir);
        const status = await driver.status();
        out(`local lab (${driver.controlUrl}):`);
        for (const [component, s] of Object.entries(status.components)) {
          out(`  ${component.padEnd(10)} ${s.state.padEnd(10)} pid ${String(s.pid ?? '-').padEnd(8)} restarts ${s.restarts}${s.lastExit ? ` (last exit ${s.lastExit.code ?? 'signal'} at ${new Date(s.lastExit.at).toISOString()})` : ''}`);
        }
        out(`  fault proxies (toxiproxy): ${status.faultProxies ? 'on' : 'off'}`);
        out(`  faults on: ${status.faults.length === 0 ? 'none' : ''}`);
        for (const f of status.faults) out(`    ${f.id} ${f.kind} ${f.components.join(',')} ${JSON.stringify(f.params)} — reverts in ${Math.max(0, Math.round((f.expiresAt - Date.now()) / 1000))} s`);
      } catch (error) {
        out(`local lab: ${(error as Error).message}`);
      }
      out(`ledger ${ledger.file}: ${open.length} open ${open.length === 1 ? 'entry' : 'entries'}`);
      for (const e of open) out(`  ${e.fault.id} ${e.state} ${e.fault.kind} ${e.fault.components.join(',')} (runner pid ${e.owner.pid}, deadline ${new Date(e.fault.expiresAt).toISOString()})`);
      out('kill switch: npm run chaos -- reset');
      return 0;
    }
    case 'reset': {
      const extra: string[] = [];
      try {
        extra.push(LocalDriver.fromRunDir(labDir).controlUrl);
      } catch {
        // No local lab running: only what the ledger knows.
      }
      const result = await resetEverything(ledger, extra);
      for (const id of result.reverted) out(`reverted ${id} (from the ledger)`);
      for (const f of result.failed) out(`could not revert ${f.id}: ${f.error}`);
      for (const lab of result.labs) {
        out(lab.error ? `lab ${lab.controlUrl}: ${lab.error}` : `lab ${lab.controlUrl}: ${lab.reverted?.length ?? 0} fault(s) dropped${lab.reverted?.length ? ` (${lab.reverted.join(', ')})` : ''}`);
      }
      out(result.failed.length === 0 ? 'no fault left that this tool made' : 'some faults could not be reverted: see above');
      return result.failed.length === 0 ? 0 : 3;
    }
    default:
      out(USAGE);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`chaos ✗ ${error.message}\n`);
    process.exit(3);
  },
);
