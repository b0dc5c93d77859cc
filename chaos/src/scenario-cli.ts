#!/usr/bin/env node
/**
 * `npm run scenario -- list | show N | start N [--self-check] | hint | answer … | status | stop | self-check N|all |
 * serve | validate`. Scenarios break the lab through the chaos engine (faults in the chaos ledger, so
 * `npm run chaos -- reset` clears them too) and verify from the lab's Prometheus and Jaeger. Guide: docs/scenarios.md.
 */
import { parseArgs } from 'node:util';
import { defaultPorts } from '@fleetlab/local';
import { defaultLabDir, LocalDriver } from './drivers/local';
import { Ledger } from './ledger';
import { recoverOrphans } from './recovery';
import { findScenario, loadScenarios, parseScenarioFile, scenarioFiles, scenariosDir, type LoadedScenario } from './scenarios/catalog';
import { AnswerError, checkAnswer, nextHint, parseAnswer, verdict, type ScenarioState } from './scenarios/game';
import { selfCheck } from './scenarios/self-check';
import { DEFAULT_SCENARIO_PORT, startScenarioServer } from './scenarios/server';
import { ScenarioStore } from './scenarios/store';

const USAGE = `usage: npm run scenario -- <command>
  list                      the course: every scenario, in order
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
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    out(USAGE);
    return command ? 0 : 2;
  }
  const labDir = values['lab-dir'] ?? defaultLabDir();
  const jaegerUrl = values.jaeger ?? process.env.FLEETLAB_JAEGER_URL ?? `http://127.0.0.1:${defaultPorts.jaeger.query}`;
  const ledger = new Ledger(values.ledger);
  const store = new ScenarioStore(values['scenario-dir']);
  if (values.target !== 'local' && ['start', 'self-check', 'serve'].includes(command)) {
    const l = command === 'start' && rest[0] ? findScenario(rest[0]) : undefined;
    out(`scenario: the scenario player drives the local lab only so far (docs/scenarios.md); in the ${values.target} lab, run the break with ${l?.scenario.break.experiment ? `npm run chaos -- run ${l.scenario.break.experiment} --target ${values.target} (its chaos-${l.scenario.break.experiment} button in Tilt)` : 'the chaos buttons in Tilt'}.`);
    return 2;
  }
  if (['start', 'stop', 'status', 'self-check'].includes(command)) {
    const recovered = await recoverOrphans(ledger);
    for (const id of recovered.reverted) out(`scenario: reverted ${id}, left behind by a process that is gone or past its deadline`);
  }

  switch (command) {
    case 'list': {
      const active = store.active();
      for (const l of loadScenarios()) {
        out(`${String(l.number).padStart(2, '0')}  ${l.scenario.title.padEnd(52)} ${l.scenario.level.padEnd(12)} ${l.scenario.break.experiment ?? 'load only'}${active?.number === l.number ? '   ← being played' : ''}`);
        out(`    ${l.scenario.teaches}`);
      }
      out(`\nstart one: npm run scenario -- start 1 · the course: docs/scenarios.md`);
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
      out('the question:');
      s.questions.forEach((q) => out(`  ${q.id}: ${q.ask}  ${q.choices.map((c, i) => `${i + 1}) ${c}`).join(' · ')}`));
      out(`\nstart it: npm run scenario -- start ${l.number}`);
      return 0;
    }
    case 'start': {
      const l = findScenario(rest[0] ?? '');
      if (values['self-check']) return runSelfChecks([l], labDir, jaegerUrl, ledger);
      const state = await store.start(l, { labDir, ledger: values.ledger, jaegerUrl });
      const s = l.scenario;
      out(`scenario ${l.number}: ${s.title} (${s.level}) — started (process ${state.pid})\n`);
      out(s.story.trim());
      out('\nthe question (answer when you know):');
      s.questions.forEach((q) => out(`  ${q.id}: ${q.ask}  ${q.choices.map((c, i) => `${i + 1}) ${c}`).join(' · ')}`));
      out(`\nwhere to look first: ${s.symptoms[0]!.where}`);
      out('next: npm run scenario -- status · hint · answer <id=choice> … · stop');
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
      out('faults reverted by the scenario; anything else: npm run chaos -- status | reset');
      return 0;
    }
    case 'self-check': {
      const ref = rest[0] ?? '';
      const chosen = ref === 'all' ? loadScenarios() : [findScenario(ref)];
      return runSelfChecks(chosen, labDir, jaegerUrl, ledger);
    }
    case 'serve': {
      const server = await startScenarioServer({ store, port: values.port ? Number(values.port) : undefined, labDir, ledger: values.ledger, jaegerUrl });
      out(`scenario server on ${server.url} (127.0.0.1 only): GET /scenarios · GET /state · POST /start · /hint · /answer · /stop`);
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

async function runSelfChecks(chosen: LoadedScenario[], labDir: string, jaegerUrl: string, ledger: Ledger): Promise<number> {
  const driver = LocalDriver.fromRunDir(labDir);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  let failed = 0;
  for (const l of chosen) {
    const result = await selfCheck({ loaded: l, driver, jaegerUrl, ledger, signal: controller.signal });
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
