#!/usr/bin/env node
/**
 * `npm run scenario -- list | show N | start N [--self-check] | hint | answer … | status | stop | self-check N|all |
 * serve | validate [--target local|k8s]`. Scenarios break the lab through the chaos engine (faults in the chaos
 * ledger, so `npm run chaos -- reset` clears them too) and verify from the lab's Prometheus and Jaeger; with
 * `--target k8s`, the cluster lab of the current kubeconfig context through the Kubernetes driver. Guide:
 * docs/scenarios.md.
 */
import { parseArgs } from 'node:util';
import { defaultLabDir, LocalDriver } from './drivers/local';
import { DEFAULT_NAMESPACE } from './drivers/k8s-plan';
import { Ledger } from './ledger';
import { recoverOrphans } from './recovery';
import { findScenario, loadScenarios, parseScenarioFile, scenarioFiles, scenariosDir, type LoadedScenario } from './scenarios/catalog';
import { AnswerError, checkAnswer, nextHint, parseAnswer, verdict, type ScenarioState } from './scenarios/game';
import { selfCheck } from './scenarios/self-check';
import { DEFAULT_SCENARIO_PORT, startScenarioServer } from './scenarios/server';
import { ScenarioStore, type StartOptions } from './scenarios/store';
import { clusterProblemsOf, defaultJaegerUrl, driverFor, K8S_URLS, kubeconfigFromEnv, type LabChoice } from './scenarios/target';

const USAGE = `usage: npm run scenario -- <command>
  list [--target k8s]       the course: every scenario, in order (with k8s: which the cluster lab plays, and why not)
  show <N>                  one scenario's story, symptoms and question (no answers)
  start <N>                 break the lab for scenario N (in the background) and print the story
  start <N> --self-check    play it unattended: break, expect the symptoms, restore, expect recovery
  hint                      the next hint of the active scenario
  answer <id=choice> …      answer the question (e.g. answer service=api cause=2 signal="availability SLI")
  status                    phase, faults on (time left), symptoms verified so far, where to look next, verdict
  stop                      revert every fault and stop the load now
  self-check <N|all>        the unattended play of one or every scenario
  serve [--port ${DEFAULT_SCENARIO_PORT}]      the HTTP surface for the map's scenario panel (127.0.0.1)
  validate                  every scenario file against the schema
options: --lab-dir (FLEETLAB_LAB_DIR) · --ledger (FLEETLAB_CHAOS_LEDGER) · --jaeger (FLEETLAB_JAEGER_URL) ·
         --scenario-dir (FLEETLAB_SCENARIO_DIR) · --target local|k8s
  k8s (the cluster lab Tilt runs, through the chaos engine's Kubernetes driver; list shows which scenarios it plays):
         --context <name> (default: the kubeconfig's current one; KUBECONFIG names the file) · --namespace <ns>
         (default ${DEFAULT_NAMESPACE}) · --prometheus <url> (default ${K8S_URLS.prometheus}) · --api-url <url> (default
         ${K8S_URLS.api}) · Jaeger default ${K8S_URLS.jaeger} (Tilt's port-forwards) · --skip-probes <reason> (the
         experiment's faults only: no load, gate or expectations of its own; the symptoms are still looked for)
docs: docs/scenarios.md`;

const out = (line = ''): void => void process.stdout.write(`${line}\n`);

function printStatus(state: ScenarioState, loaded: LoadedScenario): void {
  const s = loaded.scenario;
  const now = Date.now();
  out(`scenario ${loaded.number}: ${s.title} — ${state.phase}${state.breakAt ? `, break on since ${Math.round((now - state.breakAt) / 1000)} s` : ''}`);
  const faults = state.faults.filter((f) => !f.reverted);
  out(`faults on: ${faults.length === 0 ? 'none' : faults.map((f) => `${f.name} (${f.id}, ${Math.max(0, Math.round((f.expiresAt - now) / 1000))} s left)`).join(' · ')}`);
  out('verified in the telemetry so far:');
  if (state.checks.length === 0) out('  (nothing yet)');
  for (const c of state.checks) out(`  ${c.ok ? (c.afterMs === undefined ? '…' : '✓') : '✗'} ${c.kind} ${c.name}${c.afterMs === undefined ? '' : ` after ${(c.afterMs / 1000).toFixed(0)} s`}${c.detail ? ` (${c.detail})` : ''}`);
  out(`hints: ${state.hintsShown}/${s.hints.length} shown`);
  for (const line of verdict(state).lines) out(line);
  if (state.error) out(`error: ${state.error}`);
  const v = verdict(state);
  if (v.status === 'solved') out(`verdict: solved. Next: npm run scenario -- start ${loaded.number + 1}`);
  else if (state.phase === 'broken' || state.phase === 'breaking') out(`where to look next: ${s.symptoms[Math.min(state.hintsShown, s.symptoms.length - 1)]!.where} · npm run scenario -- hint`);
  else out(`verdict: ${v.status}${state.phase === 'restoring' ? ' (restoring: watch the symptoms go away)' : ''}`);
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      'self-check': { type: 'boolean' },
      target: { type: 'string', default: 'local' },
      'lab-dir': { type: 'string' },
      ledger: { type: 'string' },
      jaeger: { type: 'string' },
      'scenario-dir': { type: 'string' },
      port: { type: 'string' },
      context: { type: 'string' },
      namespace: { type: 'string' },
      prometheus: { type: 'string' },
      'api-url': { type: 'string' },
      'skip-probes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    out(USAGE);
    return command ? 0 : 2;
  }
  if (values.target !== 'local' && values.target !== 'k8s') {
    out(`scenario: --target is local or k8s, not ${values.target}`);
    return 2;
  }
  const target = values.target;
  const labDir = values['lab-dir'] ?? defaultLabDir();
  const jaegerUrl = values.jaeger ?? defaultJaegerUrl(target);
  const ledger = new Ledger(values.ledger);
  const store = new ScenarioStore(values['scenario-dir']);
  const lab: LabChoice = {
    target,
    labDir,
    jaegerUrl,
    kubeconfig: kubeconfigFromEnv(),
    context: values.context,
    namespace: values.namespace,
    prometheusUrl: values.prometheus,
    apiUrl: values['api-url'],
    skipProbes: values['skip-probes'],
  };
  if (['start', 'stop', 'status', 'self-check'].includes(command)) {
    const recovered = await recoverOrphans(ledger);
    for (const id of recovered.reverted) out(`scenario: reverted ${id}, left behind by a process that is gone or past its deadline`);
  }

  switch (command) {
    case 'list': {
      const active = store.active();
      const playable: number[] = [];
      for (const l of loadScenarios()) {
        out(`${String(l.number).padStart(2, '0')}  ${l.scenario.title.padEnd(52)} ${l.scenario.level.padEnd(12)} ${l.scenario.break.experiment ?? 'load only'}${active?.number === l.number ? '   ← being played' : ''}`);
        out(`    ${l.scenario.teaches}`);
        if (target === 'k8s') {
          const problems = clusterProblemsOf(l);
          if (problems.length === 0) playable.push(l.number);
          out(problems.length === 0 ? '    cluster lab: plays here' : `    cluster lab: local lab only — ${problems[0]}`);
        }
      }
      if (target === 'k8s') out(`\nthe cluster lab plays ${playable.join(', ')}; the others in the local lab (npm run lab)`);
      out(`\nstart one: npm run scenario -- start ${target === 'k8s' ? `${playable[0] ?? 1} --target k8s` : '1'} · the course: docs/scenarios.md`);
      return 0;
    }
    case 'validate': {
      let bad = 0;
      for (const f of scenarioFiles()) {
        try {
          parseScenarioFile(`${scenariosDir}/${f}`);
          out(`✓ ${f}`);
        } catch (error) {
          bad += 1;
          out(`✗ ${(error as Error).message}`);
        }
      }
      return bad === 0 ? 0 : 1;
    }
    case 'show': {
      const l = findScenario(rest[0] ?? '');
      const s = l.scenario;
      out(`scenario ${l.number}: ${s.title} (${s.level})\n${s.teaches}\n\n${s.story.trim()}\n`);
      out(`the break: ${s.break.experiment ? `chaos experiment ${s.break.experiment} (npm run chaos -- show ${s.break.experiment})` : 'no fault'}${s.break.load ? ' + a load of its own' : ''}`);
      if (target === 'k8s') {
        const problems = clusterProblemsOf(l);
        out(problems.length === 0 ? 'cluster lab: plays here' : `cluster lab: local lab only — ${problems.join('; ')}`);
      }
      out('the question:');
      s.questions.forEach((q) => out(`  ${q.id}: ${q.ask}  ${q.choices.map((c, i) => `${i + 1}) ${c}`).join(' · ')}`));
      out(`\nstart it: npm run scenario -- start ${l.number}${target === 'k8s' && clusterProblemsOf(l).length === 0 ? ' --target k8s' : ''}`);
      return 0;
    }
    case 'start': {
      const l = findScenario(rest[0] ?? '');
      if (target === 'k8s' && refuseInCluster(l)) return 2;
      if (values['self-check']) return runSelfChecks([l], lab, ledger);
      let k8s: StartOptions['k8s'];
      if (target === 'k8s') {
        const driver = await connectCluster(lab);
        if (!driver) return 3;
        k8s = { kubeconfig: lab.kubeconfig, context: driver.ref.context, namespace: driver.namespace, prometheusUrl: driver.prometheusUrl, apiUrl: driver.apiUrl };
      }
      const state = await store.start(l, { labDir, ledger: values.ledger, jaegerUrl, k8s, skipProbes: lab.skipProbes });
      const s = l.scenario;
      out(`scenario ${l.number}: ${s.title} (${s.level}) — started (process ${state.pid})${target === 'k8s' ? ' in the cluster lab' : ''}\n`);
      out(s.story.trim());
      out('\nthe question (answer when you know):');
      s.questions.forEach((q) => out(`  ${q.id}: ${q.ask}  ${q.choices.map((c, i) => `${i + 1}) ${c}`).join(' · ')}`));
      out(`\nwhere to look first: ${s.symptoms[0]!.where}`);
      out(`next: npm run scenario -- status · hint · answer <id=choice> … · stop${target === 'k8s' ? ' (or the scenario-status, -hint, -stop buttons in Tilt)' : ''}`);
      out(`log of the break: ${store.logFile}`);
      return 0;
    }
    case 'hint': {
      const state = store.read();
      if (!state) throw new Error('no scenario started (npm run scenario -- start 1)');
      const l = findScenario(state.id);
      const hint = nextHint(state, l.scenario);
      store.writeTrainee(state);
      out(hint ? `hint ${hint.index}/${l.scenario.hints.length}: ${hint.text}` : `no hint left (${l.scenario.hints.length} shown); npm run scenario -- answer …`);
      return 0;
    }
    case 'answer': {
      const state = store.read();
      if (!state) throw new Error('no scenario started (npm run scenario -- start 1)');
      const l = findScenario(state.id);
      let record;
      try {
        record = checkAnswer(parseAnswer(rest, l.scenario.questions), l.scenario.questions);
      } catch (error) {
        if (error instanceof AnswerError || error instanceof Error) {
          out(`answer refused: ${error.message}`);
          return 2;
        }
        throw error;
      }
      state.answers.push(record);
      store.writeTrainee(state);
      for (const r of record.results) {
        const q = l.scenario.questions.find((x) => x.id === r.id)!;
        out(`${r.correct ? '✓' : '✗'} ${q.id}: ${r.given}${r.correct ? ` — ${q.because}` : ''}`);
      }
      printStatus(state, l);
      return record.correct ? 0 : 1;
    }
    case 'status': {
      const state = store.read();
      if (!state) {
        out('no scenario started: npm run scenario -- list, then start <N>');
        return 0;
      }
      printStatus(state, findScenario(state.id));
      // The lab the scenario's process recorded (a moment after start it may not have yet: then the one asked for).
      if (state.lab?.target === 'k8s' || (!state.lab && target === 'k8s')) {
        const played = state.lab ?? { context: values.context, namespace: values.namespace, prometheusUrl: values.prometheus ?? K8S_URLS.prometheus, jaegerUrl, skipProbes: undefined };
        out(`cluster lab: context ${played.context ?? '(current)'}, namespace ${played.namespace ?? DEFAULT_NAMESPACE} · objects: npm run chaos -- status --target k8s · Prometheus alerts: ${played.prometheusUrl}/alerts · Jaeger API: ${played.jaegerUrl}/api/services`);
        if (played.skipProbes !== undefined) out(`probes skipped: ${played.skipProbes}`);
        return 0;
      }
      try {
        out(`lab: ${LocalDriver.fromRunDir(labDir).controlUrl}/status · Prometheus alerts: ${LocalDriver.fromRunDir(labDir).prometheusUrl}/alerts · Jaeger API: ${jaegerUrl}/api/services`);
      } catch (error) {
        out(`lab: ${(error as Error).message}`);
      }
      return 0;
    }
    case 'stop': {
      const state = await store.stop();
      if (!state) {
        out('no scenario started');
        return 0;
      }
      printStatus(state, findScenario(state.id));
      const k = state.lab?.target === 'k8s' ? ' --target k8s' : '';
      out(`faults reverted by the scenario; anything else: npm run chaos -- status${k} | reset${k}`);
      return 0;
    }
    case 'self-check': {
      const ref = rest[0] ?? '';
      if (ref !== 'all' && target === 'k8s' && refuseInCluster(findScenario(ref))) return 2;
      let chosen = ref === 'all' ? loadScenarios() : [findScenario(ref)];
      if (target === 'k8s') {
        const local = chosen.filter((l) => clusterProblemsOf(l).length > 0);
        if (local.length > 0) out(`scenario: not in the cluster lab (local lab only): ${local.map((l) => l.number).join(', ')} — npm run scenario -- list --target k8s says why`);
        chosen = chosen.filter((l) => !local.includes(l));
      }
      return runSelfChecks(chosen, lab, ledger);
    }
    case 'serve': {
      let k8s: StartOptions['k8s'];
      if (target === 'k8s') {
        const driver = await connectCluster(lab);
        if (!driver) return 3;
        k8s = { kubeconfig: lab.kubeconfig, context: driver.ref.context, namespace: driver.namespace, prometheusUrl: driver.prometheusUrl, apiUrl: driver.apiUrl };
      }
      const server = await startScenarioServer({ store, port: values.port ? Number(values.port) : undefined, labDir, ledger: values.ledger, jaegerUrl, k8s, skipProbes: lab.skipProbes });
      out(`scenario server on ${server.url} (127.0.0.1 only${target === 'k8s' ? ', playing in the cluster lab' : ''}): GET /scenarios · GET /state · POST /start · /hint · /answer · /stop`);
      out(`the map's scenario panel reads it: open the map with ?scenarios=${server.url} (docs/scenarios.md)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await store.stop().catch(() => undefined);
      await server.close();
      return 0;
    }
    default:
      out(USAGE);
      return 2;
  }
}

/** In the cluster lab, a scenario whose break the Kubernetes driver cannot do is refused, saying why and where to play it. */
function refuseInCluster(l: LoadedScenario): boolean {
  const problems = clusterProblemsOf(l);
  if (problems.length === 0) return false;
  const playable = loadScenarios().filter((x) => clusterProblemsOf(x).length === 0).map((x) => x.number);
  out(`scenario ${l.number} (${l.scenario.title}) does not play in the cluster lab:\n  ${problems.join('\n  ')}`);
  out(`play it in the local lab: npm run lab, then npm run scenario -- start ${l.number}. The cluster lab plays ${playable.join(', ')} (npm run scenario -- list --target k8s; docs/scenarios.md, "In the cluster lab")`);
  return true;
}

/** The cluster of the current kubeconfig context, connected, with its expired chaos objects swept (as `chaos run`). */
async function connectCluster(lab: LabChoice): Promise<(Awaited<ReturnType<typeof driverFor>> & { target: 'k8s' }) | undefined> {
  try {
    const driver = await driverFor(lab);
    if (driver.target !== 'k8s') return undefined;
    out(`scenario: cluster ${await driver.server()} (context ${driver.ref.context}), namespace ${driver.namespace}; Prometheus ${driver.prometheusUrl}, api ${driver.apiUrl}, Jaeger ${lab.jaegerUrl}`);
    for (const swept of await driver.sweepExpired()) out(`scenario: reverted ${swept}: past its expiry`);
    return driver;
  } catch (error) {
    out(`scenario: the cluster lab does not answer: ${(error as Error).message} (tilt up; docs/kubernetes-lab.md)`);
    return undefined;
  }
}

async function runSelfChecks(chosen: LoadedScenario[], lab: LabChoice, ledger: Ledger): Promise<number> {
  const driver = lab.target === 'k8s' ? await connectCluster(lab) : await driverFor(lab);
  if (!driver) return 3;
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  let failed = 0;
  for (const l of chosen) {
    const result = await selfCheck({ loaded: l, driver, jaegerUrl: lab.jaegerUrl, ledger, signal: controller.signal, skipProbes: lab.skipProbes });
    for (const line of result.lines) out(line);
    if (result.verdict.status !== 'solved') failed += 1;
    if (controller.signal.aborted) break;
  }
  out(`\n${chosen.length - failed}/${chosen.length} scenarios solved unattended; faults: npm run chaos -- status`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`scenario ✗ ${error.message}\n`);
    process.exit(3);
  },
);
