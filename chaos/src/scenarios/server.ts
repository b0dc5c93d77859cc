/**
 * The scenario's HTTP surface, for the map's scenario panel: `npm run scenario -- serve` on 127.0.0.1 (port 7091 by
 * default, `--port`). It plays scenarios exactly as the commands do (same state files, same process per scenario,
 * faults through the chaos engine and its ledger). Requests whose Host is not a loopback name are refused, like the
 * lab's control endpoint; any origin may read it (the map is served from another port).
 *
 *   GET    /scenarios            the course: number, id, title, level, what it teaches
 *   GET    /state                the active (or last) scenario, as the trainee sees it, and the verdict
 *   POST   /start   {number}     starts one (409 while another is played)
 *   POST   /hint                 reveals the next hint
 *   POST   /answer  {answers}    checks the answer ({service: "api", …}); 400 naming the field
 *   POST   /stop                 reverts every fault and stops the load
 *   DELETE /faults/:id           reverts one active fault now
 *
 * With `k8s` (`serve --target k8s`) it plays them in the cluster lab, as `start --target k8s` does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScenarioSummary, ScenarioView } from '@fleetlab/contracts';
import { K8sDriver } from '../drivers/k8s';
import { revertAt, LocalDriver } from '../drivers/local';
import { Ledger } from '../ledger';
import { findScenario, loadScenarios, type LoadedScenario } from './catalog';
import { AnswerError, checkAnswer, nextHint, verdict, type ScenarioState } from './game';
import type { ScenarioStore, StartOptions } from './store';
import { clusterProblemsOf } from './target';

export const DEFAULT_SCENARIO_PORT = 7091;

/** What the trainee may see of a scenario: no answers, only the hints already asked for. */
export function traineeView(state: ScenarioState | undefined, loaded: LoadedScenario | undefined, now = Date.now()): ScenarioView {
  if (!state || !loaded) return { active: false };
  const s = loaded.scenario;
  const v = verdict(state);
  const finished = ['restored', 'not-restored', 'failed', 'stopped'].includes(state.phase);
  return {
    active: !finished,
    now,
    number: state.number,
    id: state.id,
    title: s.title,
    level: s.level,
    teaches: s.teaches,
    story: s.story.trim(),
    phase: state.phase,
    startedAt: state.startedAt,
    breakAt: state.breakAt,
    fleetId: state.fleetId,
    symptoms: s.symptoms,
    hints: s.hints.slice(0, state.hintsShown),
    hintsLeft: s.hints.length - state.hintsShown,
    questions: s.questions.map((q) => ({ id: q.id, ask: q.ask, choices: q.choices })),
    lastAnswer: state.answers.at(-1),
    explanations: v.answerCorrect ? s.questions.map((q) => ({ id: q.id, answer: q.answer, because: q.because })) : undefined,
    faults: state.faults.map((f) => ({ ...f, secondsLeft: f.reverted ? 0 : Math.max(0, Math.round((f.expiresAt - now) / 1000)) })),
    checks: state.checks,
    log: state.log.slice(-15),
    error: state.error,
    verdict: v,
  };
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString() || '{}';
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AnswerError('(body)', 'expected a JSON object');
  return parsed as Record<string, unknown>;
}

export interface ScenarioServerOptions {
  store: ScenarioStore;
  port?: number;
  labDir?: string;
  ledger?: string;
  jaegerUrl?: string;
  scenariosDir?: string;
  /** Play in the cluster lab (the Kubernetes driver) rather than the local one. */
  k8s?: StartOptions['k8s'];
  skipProbes?: string;
}

export async function startScenarioServer(options: ScenarioServerOptions): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const { store } = options;
  const loadedOf = (state: ScenarioState | undefined): LoadedScenario | undefined => (state ? findScenario(state.id, options.scenariosDir) : undefined);
  const send = (res: ServerResponse, status: number, value: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, POST, DELETE', 'access-control-allow-headers': 'content-type' });
    res.end(JSON.stringify(value));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) return send(res, 403, { error: `Host ${host} refused: loopback only` });
    if (req.method === 'OPTIONS') return send(res, 204, {});
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /scenarios') {
      return send(res, 200, loadScenarios(options.scenariosDir).map((l): ScenarioSummary => ({ number: l.number, id: l.id, title: l.scenario.title, level: l.scenario.level, teaches: l.scenario.teaches, experiment: l.scenario.break.experiment })));
    }
    if (route === 'GET /state') {
      const state = store.read();
      return send(res, 200, traineeView(state, loadedOf(state)));
    }
    if (route === 'POST /start') {
      const b = await body(req);
      if (typeof b.number !== 'number' && typeof b.number !== 'string') return send(res, 400, { error: 'number: expected the scenario number', field: 'number' });
      let loaded: LoadedScenario;
      try {
        loaded = findScenario(String(b.number), options.scenariosDir);
      } catch (error) {
        return send(res, 400, { error: `number: ${(error as Error).message}`, field: 'number' });
      }
      const problems = options.k8s ? clusterProblemsOf(loaded) : [];
      if (problems.length > 0) return send(res, 400, { error: `number: scenario ${loaded.number} does not play in the cluster lab: ${problems.join('; ')}; play it in the local lab`, field: 'number' });
      if (store.active()) return send(res, 409, { error: `scenario ${store.active()!.number} is still being played: stop it first` });
      const state = await store.start(loaded, { labDir: options.labDir, ledger: options.ledger, jaegerUrl: options.jaegerUrl, k8s: options.k8s, skipProbes: options.skipProbes });
      return send(res, 201, traineeView(state, loaded));
    }
    const state = store.read();
    const loaded = loadedOf(state);
    if (!state || !loaded) return send(res, 404, { error: 'no scenario started (POST /start)' });
    if (route === 'POST /hint') {
      const hint = nextHint(state, loaded.scenario);
      store.writeTrainee(state);
      return send(res, 200, { hint, view: traineeView(state, loaded) });
    }
    if (route === 'POST /answer') {
      const b = await body(req);
      if (typeof b.answers !== 'object' || b.answers === null) return send(res, 400, { error: 'answers: expected an object such as {"service": "api"}', field: 'answers' });
      try {
        state.answers.push(checkAnswer(Object.fromEntries(Object.entries(b.answers).map(([k, v]) => [k, String(v)])), loaded.scenario.questions));
      } catch (error) {
        if (error instanceof AnswerError) return send(res, 400, { error: error.message, field: `answers.${error.field}` });
        throw error;
      }
      store.writeTrainee(state);
      return send(res, 200, traineeView(state, loaded));
    }
    if (route === 'POST /stop') {
      const after = await store.stop();
      return send(res, 200, traineeView(after, loaded));
    }
    const fault = /^DELETE \/faults\/(.+)$/.exec(route);
    if (fault) {
      const id = decodeURIComponent(fault[1]!);
      if (!state.faults.some((f) => f.id === id)) return send(res, 404, { error: `id: no fault ${id} in this scenario`, field: 'id' });
      if (state.lab?.target === 'k8s') {
        // In the cluster: from the plan the ledger recorded (idempotent; the runner's own revert later finds it done).
        const ledger = new Ledger(options.ledger);
        const entry = ledger.entries().find((e) => e.fault.id === id);
        if (!entry) return send(res, 404, { error: `id: fault ${id} is not in the chaos ledger ${ledger.file}`, field: 'id' });
        await new K8sDriver({ ...entry.lab }, '', '').revert(entry.fault);
        ledger.update(id, { state: 'reverted', revertedAt: Date.now(), revertedBy: 'rollback' });
      } else {
        await revertAt(LocalDriver.fromRunDir(options.labDir).controlUrl, id);
      }
      return send(res, 200, { reverted: id });
    }
    return send(res, 404, { error: `no route ${route}` });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (error instanceof SyntaxError) return send(res, 400, { error: `(body): ${error.message}`, field: '(body)' });
      if (error instanceof AnswerError) return send(res, 400, { error: error.message, field: error.field });
      send(res, 500, { error: error.message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_SCENARIO_PORT, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, close: () => new Promise<void>((r) => server.close(() => r())) };
}
