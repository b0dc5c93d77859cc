#!/usr/bin/env node
/**
 * `npm run chaos -- list | show <name> | run <name> [--target local|k8s] | status | reset | validate`
 * Every command first reverts faults a crashed runner left behind (found in the ledger).
 */
import { parseArgs } from 'node:util';
import { experimentNames, experimentsDir, loadAll, loadExperiment } from './experiments';
import { LocalDriver, defaultLabDir } from './drivers/local';
import { K8sDriver } from './drivers/k8s';
import { DEFAULT_NAMESPACE, clusterProblems } from './drivers/k8s-plan';
import { Ledger } from './ledger';
import { recoverOrphans, resetEverything, revertOwn } from './recovery';
import { runExperiment } from './runner';
import { methodLength } from './schema';

/** Tilt's port-forwards of the cluster lab (Tiltfile: prometheus 9090, api 3000). */
const K8S_PROMETHEUS = 'http://localhost:9090';
const K8S_API = 'http://localhost:3000';

const USAGE = `usage: npm run chaos -- <command>
  list                         the experiments in chaos/experiments
  show <name>                  one experiment, validated, with its defaults
  run <name> [--target local|k8s]  run it against a lab (local: the one \`npm run lab\` started; k8s: the cluster
                               of the current kubeconfig context, the lab Tilt runs)
  status [--target k8s]        the lab's components (restarts) and every fault on, from the lab and the ledger
  reset [--target k8s]         the kill switch: revert every fault this tool ever made, in every lab it knows
                               (with --target k8s also every object labelled by it in the current cluster)
  validate                     check every experiment file against the schema
options: --lab-dir <dir> (or FLEETLAB_LAB_DIR) the local lab's run dir; --ledger <file> (or FLEETLAB_CHAOS_LEDGER)
  k8s: --context <name> (default: the kubeconfig's current one; KUBECONFIG names the file), --namespace <ns>
  (default ${DEFAULT_NAMESPACE}), --prometheus <url> (default ${K8S_PROMETHEUS}, Tilt's port-forward), --api-url <url>
  (default ${K8S_API}, Tilt's port-forward of the api), --chaos-mesh (kill, freeze, outage, network and stress faults
  as Chaos Mesh objects where the cluster serves chaos-mesh.org/v1alpha1), --skip-probes <reason> (faults only: no
  load, gate or expectations; the reason is printed and in the verdict)
docs: docs/chaos.md`;

const out = (line = ''): void => void process.stdout.write(`${line}\n`);

/** Gives up on a cluster that does not answer, rather than hanging a command on a TCP timeout. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms);
    }),
  ]);
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      target: { type: 'string', default: 'local' },
      context: { type: 'string' },
      namespace: { type: 'string', default: DEFAULT_NAMESPACE },
      prometheus: { type: 'string' },
      'api-url': { type: 'string' },
      'skip-probes': { type: 'string' },
      'chaos-mesh': { type: 'boolean', default: false },
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
  if (values.target !== 'local' && values.target !== 'k8s') {
    out(`chaos: --target is local or k8s, not ${values.target}`);
    return 2;
  }
  // KUBECONFIG as client-node reads it; a single file is recorded in the ledger so a later command finds this cluster.
  const kubeconfig = process.env.KUBECONFIG && !process.env.KUBECONFIG.includes(':') ? process.env.KUBECONFIG : undefined;
  const cluster = (): K8sDriver =>
    new K8sDriver({ kubeconfig, context: values.context, namespace: values.namespace, chaosMesh: values['chaos-mesh'] }, values.prometheus ?? K8S_PROMETHEUS, values['api-url'] ?? K8S_API);

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
      let driver: LocalDriver | K8sDriver;
      if (values.target === 'k8s') {
        const k8sDriver = values['chaos-mesh'] || clusterProblems(loaded.experiment).length === 0 ? await cluster().connect() : undefined;
        // --chaos-mesh: the faults Chaos Mesh does natively become its objects, if the cluster serves chaos-mesh.org/v1alpha1.
        const chaosMesh = values['chaos-mesh'] && k8sDriver ? [...(await within(30_000, 'API discovery', k8sDriver.chaosMeshKinds()))] : [];
        if (values['chaos-mesh']) {
          out(chaosMesh.length > 0
            ? `chaos: Chaos Mesh serves ${chaosMesh.join(', ')}: kill, freeze, outage, network and stress faults are Chaos Mesh objects (docs/chaos.md, "Chaos Mesh")`
            : 'chaos: --chaos-mesh, but the cluster does not serve chaos-mesh.org/v1alpha1 (Chaos Mesh is not installed): the driver\'s own objects instead');
        }
        const problems = clusterProblems(loaded.experiment, { chaosMesh });
        if (problems.length > 0 || !k8sDriver) {
          out(`chaos: ${loaded.name} does not run in the cluster lab:\n  ${problems.join('\n  ')}\n(docs/chaos.md, "The Kubernetes driver")`);
          return 2;
        }
        out(`chaos: cluster ${await k8sDriver.server()} (context ${k8sDriver.ref.context}), namespace ${k8sDriver.namespace}; Prometheus ${k8sDriver.prometheusUrl}, api ${k8sDriver.apiUrl}`);
        for (const swept of await within(30_000, 'the expiry sweep', k8sDriver.sweepExpired())) out(`chaos: reverted ${swept}: past its expiry`);
        driver = k8sDriver;
      } else {
        if (!loaded.experiment.targets.includes('local')) {
          out(`chaos: ${name} does not run in the local lab (targets: ${loaded.experiment.targets.join(', ')})`);
          return 2;
        }
        driver = LocalDriver.fromRunDir(labDir);
      }
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
      let crashing = false;
      const crashed = (error: unknown): void => {
        if (crashing) return; // once: reverting is under way
        crashing = true;
        process.stderr.write(`chaos ✗ crashed: ${String((error as Error)?.stack ?? error)}\nreverting this run's faults\n`);
        void revertOwn(ledger).finally(() => process.exit(3));
      };
      // A runner that loses its terminal (the pipe closes: Tilt stopped, a dropped ssh session) carries on without
      // output and its faults still revert on time. Unhandled, every write would throw EPIPE, and the crash handler
      // writing about it would throw again, spinning forever with the faults on.
      for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
      process.on('uncaughtException', crashed);
      process.on('unhandledRejection', crashed);
      const report = await runExperiment({ name: loaded.name, experiment: loaded.experiment, driver, ledger, signal: controller.signal, skipProbes: values['skip-probes'] });
      out(`status: npm run chaos -- status${values.target === 'k8s' ? ' --target k8s' : ''} · Prometheus alerts: ${driver.prometheusUrl}/alerts`);
      return report.verdict.exitCode;
    }
    case 'status': {
      const open = ledger.open();
      if (values.target === 'k8s' || open.some((e) => e.target === 'k8s')) {
        try {
          const driver = await cluster().connect();
          for (const swept of await within(30_000, 'the expiry sweep', driver.sweepExpired())) out(`chaos: reverted ${swept}: past its expiry`);
          const status = await within(30_000, 'the cluster', driver.status());
          out(`cluster ${status.server} (context ${driver.ref.context}), namespace ${status.namespace}:`);
          for (const d of status.deployments) out(`  ${d.name.padEnd(10)} ${d.ready}/${d.replicas} ready`);
          out(`  Chaos Mesh: ${status.chaosMesh.length > 0 ? `serves ${status.chaosMesh.join(', ')} (run … --chaos-mesh uses it)` : 'not installed (no chaos-mesh.org/v1alpha1)'}`);
          out(`  objects of this tool: ${status.objects.length === 0 ? 'none' : ''}`);
          for (const o of status.objects) out(`    ${o.kind} ${o.namespace}/${o.name} ${o.patched ? 'patched' : 'created'} by ${o.fault ?? '?'}, expires ${o.expiresAt ?? '?'}`);
        } catch (error) {
          out(`cluster: ${(error as Error).message}`);
        }
      }
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
      const clusters = values.target === 'k8s' ? [(await cluster().connect()).labRef] : [];
      const result = await within(180_000, 'reset', resetEverything(ledger, extra, clusters));
      for (const id of result.reverted) out(`reverted ${id} (from the ledger)`);
      for (const f of result.failed) out(`could not revert ${f.id}: ${f.error}`);
      for (const lab of result.labs) {
        out(lab.error ? `lab ${lab.controlUrl}: ${lab.error}` : `lab ${lab.controlUrl}: ${lab.reverted?.length ?? 0} fault(s) dropped${lab.reverted?.length ? ` (${lab.reverted.join(', ')})` : ''}`);
      }
      for (const c of result.clusters) {
        out(c.error ? `cluster ${c.cluster}: ${c.error}` : `cluster ${c.cluster}: ${c.reverted?.length ?? 0} object(s) restored or deleted${c.reverted?.length ? ` (${c.reverted.join(', ')})` : ''}`);
      }
      const ok = result.failed.length === 0 && result.clusters.every((c) => !c.error);
      out(ok ? 'no fault left that this tool made' : 'some faults could not be reverted: see above');
      return ok ? 0 : 3;
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
