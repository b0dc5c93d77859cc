// The scenario format (errors name the field), the shipped course (valid, ordered, every experiment backing exactly
// one scenario, only alerts the lab loads), and the trainee's side: hints one at a time, answers checked, the verdict.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { experimentNames } from '../experiments';
import { loadScenarios, parseScenarioFile } from './catalog';
import { AnswerError, checkAnswer, newState, nextHint, parseAnswer, verdict } from './game';
import { parseScenario, ScenarioError } from './schema';
import { ScenarioStore } from './store';
import { traineeView } from './server';

const rules = parse(readFileSync(join(__dirname, '..', '..', '..', 'dashboards', 'prometheus', 'rules-lab.yml'), 'utf8')) as {
  groups: Array<{ rules: Array<{ alert?: string }> }>;
};
const alertNames = new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.alert)).filter(Boolean));

const minimal = {
  title: 't',
  level: 'first steps',
  teaches: 'x',
  story: 's',
  break: { experiment: 'api-5xx' },
  symptoms: [{ signal: 'alert', name: 'A', where: 'Prometheus' }],
  hints: ['h1', 'h2'],
  questions: [
    { id: 'service', ask: 'which?', choices: ['api', 'consumer'], answer: 'api', because: 'b' },
    { id: 'signal', ask: 'first?', choices: ['alert', 'trace'], answer: 'trace', because: 'b' },
  ],
  restore: { explain: 'back' },
};

function problems(document: unknown): string[] {
  try {
    parseScenario(document, 'x.yaml');
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  return [];
}

describe('the scenario schema', () => {
  it('fills defaults', () => {
    const s = parseScenario(minimal);
    expect(s.verify).toEqual({ alerts: [], slis: [], traces: [], silent: [] });
    expect(s.restore.within).toBe(180_000);
  });

  it('names the field of every problem', () => {
    expect(problems({ ...minimal, level: 'expert' })[0]).toMatch(/^level: /);
    expect(problems({ ...minimal, questions: [{ ...minimal.questions[0], answer: 'kafka' }] })).toEqual(['questions.0.answer: the answer must be one of the choices (api, consumer)']);
    expect(problems({ ...minimal, break: {} })).toContain('break.experiment: a break needs an experiment, a load, or both');
    expect(problems({ ...minimal, break: { load: { requestsPerSecond: 1 } } })).toContain('break.lasts: a break without an experiment needs lasts (how long its load runs)');
    expect(problems({ ...minimal, verify: { traces: [{ name: 'x', service: 'kafka', within: '10s' }] } })[0]).toMatch(/^verify\.traces\.0\.service: /);
    expect(problems({ ...minimal, verify: { slis: [{ name: 'x', query: 'up', within: '10s' }] } })).toEqual(['verify.slis.0.above: an SLI that must move needs above or below']);
    expect(problems({ ...minimal, surprise: 1 })[0]).toMatch(/Unrecognized key/);
  });

  it('refuses a file not named NN-name.yaml, and an experiment that does not exist, naming break.experiment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetlab-scenario-spec-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), 'title: x\n');
      expect(() => parseScenarioFile(join(dir, 'bad.yaml'))).toThrow(/expected NN-name\.yaml/);
      writeFileSync(join(dir, '01-x.yaml'), JSON.stringify({ ...minimal, break: { experiment: 'no-such' } }));
      expect(() => parseScenarioFile(join(dir, '01-x.yaml'))).toThrow(/break\.experiment: no experiment "no-such"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the shipped scenarios', () => {
  const all = loadScenarios();

  it('are at least ten, numbered 1..n without gaps, first steps before hard', () => {
    expect(all.length).toBeGreaterThanOrEqual(10);
    expect(all.map((s) => s.number)).toEqual(all.map((_s, i) => i + 1));
    const rank = { 'first steps': 0, intermediate: 1, hard: 2 };
    const levels = all.map((s) => rank[s.scenario.level]);
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
  });

  it('back every chaos experiment exactly once, so the self-checks run each experiment once', () => {
    const used = all.map((s) => s.scenario.break.experiment).filter(Boolean);
    expect([...used].sort()).toEqual(experimentNames());
  });

  it.each(all.map((s) => [s.id, s] as const))('%s verifies something, names only alerts the lab loads, asks which service, cause or signal', (_id, s) => {
    const v = s.scenario.verify;
    const expected = s.experiment?.experiment.expect;
    expect(v.alerts.length + v.slis.length + v.traces.length + (expected?.alerts.length ?? 0) + (expected?.slis.length ?? 0)).toBeGreaterThan(0);
    for (const a of [...v.alerts.map((x) => x.alert), ...v.silent]) expect(alertNames, a).toContain(a);
    for (const q of s.scenario.questions) {
      if (/^Fleetlab/.test(q.answer)) expect(alertNames, q.answer).toContain(q.answer);
    }
    expect(s.scenario.questions.map((q) => q.id).some((id) => ['service', 'cause', 'signal'].includes(id))).toBe(true);
    expect(s.scenario.hints.length).toBeGreaterThanOrEqual(3);
  });
});

describe('playing a scenario', () => {
  const scenario = parseScenario(minimal);

  it('unfolds hints one at a time, then says none is left', () => {
    const state = newState(1, '01-x', 't');
    expect(nextHint(state, scenario)).toEqual({ index: 1, text: 'h1' });
    expect(nextHint(state, scenario)).toEqual({ index: 2, text: 'h2' });
    expect(nextHint(state, scenario)).toBeUndefined();
    expect(state.hintsShown).toBe(2);
  });

  it('reads answers by id or in order, by number or text, and checks them', () => {
    const q = scenario.questions;
    expect(parseAnswer(['service=API', 'signal=2'], q)).toEqual({ service: 'API', signal: '2' });
    expect(parseAnswer(['api', 'trace'], q)).toEqual({ service: 'api', signal: 'trace' });
    expect(checkAnswer({ service: 'API', signal: '2' }, q).correct).toBe(true);
    const wrong = checkAnswer({ service: '2', signal: 'trace' }, q);
    expect(wrong.correct).toBe(false);
    expect(wrong.results).toEqual([{ id: 'service', given: 'consumer', correct: false }, { id: 'signal', given: 'trace', correct: true }]);
  });

  it('refuses an answer naming the field: unknown id, missing, not a choice', () => {
    const q = scenario.questions;
    expect(() => checkAnswer({ service: 'api', signal: 'trace', colour: 'red' }, q)).toThrow(/^colour: no such question/);
    expect(() => checkAnswer({ service: 'api' }, q)).toThrow(/^signal: missing/);
    expect(() => checkAnswer({ service: 'kafka', signal: 'trace' }, q)).toThrow(AnswerError);
    expect(() => checkAnswer({ service: 'kafka', signal: 'trace' }, q)).toThrow(/^service: "kafka" is not one of the choices/);
    expect(() => parseAnswer(['api', 'trace', 'more'], q)).toThrow(/too many answers/);
  });

  it('is solved only when answered right, the symptoms verified and the lab restored', () => {
    const state = newState(1, '01-x', 't');
    expect(verdict(state).status).toBe('not-yet');
    state.checks.push({ kind: 'alert', name: 'A', ok: true, afterMs: 20_000 });
    state.answers.push(checkAnswer({ service: 'api', signal: 'trace' }, scenario.questions));
    expect(verdict(state)).toMatchObject({ status: 'not-yet', answerCorrect: true, symptomsVerified: true, restored: false });
    state.checks.push({ kind: 'recovery', name: 'back', ok: true, afterMs: 30_000 });
    state.phase = 'restored';
    expect(verdict(state).status).toBe('solved');
    state.checks[0] = { kind: 'alert', name: 'A', ok: false };
    expect(verdict(state).status).toBe('failed');
  });

  it('shows the trainee no answers until they answered right, and only the hints asked for', () => {
    const state = newState(1, '01-x', 't');
    nextHint(state, scenario);
    const loaded = { number: 1, id: '01-x', file: 'x', scenario };
    const view = traineeView(state, loaded) as { hints: string[]; questions: Array<Record<string, unknown>>; explanations?: unknown };
    expect(view.hints).toEqual(['h1']);
    expect(view.questions.every((x) => !('answer' in x))).toBe(true);
    expect(JSON.stringify(view)).not.toContain('"because"');
    state.answers.push(checkAnswer({ service: 'api', signal: 'trace' }, scenario.questions));
    expect((traineeView(state, loaded) as { explanations: unknown[] }).explanations).toHaveLength(2);
  });

  it('keeps the trainee part and the play part in two files, neither overwriting the other', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetlab-scenario-store-'));
    try {
      const store = new ScenarioStore(dir);
      const state = newState(3, '03-x', 't', 1000);
      store.writePlay(state);
      store.writeTrainee({ ...state, hintsShown: 2 });
      store.writePlay({ ...state, phase: 'broken' });
      expect(store.read()).toMatchObject({ phase: 'broken', hintsShown: 2 });
      // Another scenario started since: the old trainee part does not apply.
      store.writePlay(newState(4, '04-x', 't', 2000));
      expect(store.read()?.hintsShown).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
