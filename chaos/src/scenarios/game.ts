/**
 * The trainee's side of a scenario, pure: the state kept between commands, hints that unfold one at a time, the
 * answer checked against the scenario's key, and the verdict (answer right, symptoms seen, lab restored).
 */
import type { ScenarioAnswerResult, ScenarioCheck, ScenarioFault, ScenarioVerdict } from '@fleetlab/contracts';
import type { Question, Scenario } from './schema';

export type Phase = 'starting' | 'breaking' | 'broken' | 'restoring' | 'restored' | 'not-restored' | 'failed' | 'stopped';

export type CheckResult = ScenarioCheck;
export type ActiveFault = ScenarioFault;

export interface AnswerRecord {
  at: number;
  given: Record<string, string>;
  results: ScenarioAnswerResult[];
  correct: boolean;
}

export interface ScenarioState {
  number: number;
  id: string;
  title: string;
  startedAt: number;
  /** The process playing the break (ledger owner of its faults). */
  pid?: number;
  phase: Phase;
  breakAt?: number;
  restoredAt?: number;
  fleetId?: string;
  hintsShown: number;
  answers: AnswerRecord[];
  faults: ActiveFault[];
  /** Automatic verification of the break (symptoms) and the restore, as they come. */
  checks: CheckResult[];
  log: Array<{ at: number; line: string }>;
  error?: string;
  endedAt?: number;
  /** The lab the break is played in and where its telemetry is read (absent in states written before it existed: local). */
  lab?: PlayedIn;
}

export interface PlayedIn {
  target: 'local' | 'k8s';
  prometheusUrl: string;
  jaegerUrl: string;
  apiUrl: string;
  /** k8s: the kubeconfig context and the lab's namespace; faults only, and why (no load or experiment probes). */
  context?: string;
  namespace?: string;
  skipProbes?: string;
}

export function newState(number: number, id: string, title: string, now = Date.now()): ScenarioState {
  return { number, id, title, startedAt: now, phase: 'starting', hintsShown: 0, answers: [], faults: [], checks: [], log: [] };
}

/** Reveals the next hint; returns it with its number, or undefined when every hint is out. */
export function nextHint(state: ScenarioState, scenario: Scenario): { index: number; text: string } | undefined {
  if (state.hintsShown >= scenario.hints.length) return undefined;
  state.hintsShown += 1;
  return { index: state.hintsShown, text: scenario.hints[state.hintsShown - 1]! };
}

const normalize = (s: string): string => s.trim().toLowerCase().replace(/\s+/g, ' ');

/**
 * Reads `id=value` pairs (`service=api cause="injected 503s"`) or, without ids, values in the questions' order.
 * A value may name a choice by its number (1-based) or by its text, case-insensitively.
 */
export function parseAnswer(args: string[], questions: Question[]): Record<string, string> {
  const given: Record<string, string> = {};
  let position = 0;
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq > 0 && questions.some((q) => q.id === arg.slice(0, eq))) {
      given[arg.slice(0, eq)] = arg.slice(eq + 1);
    } else {
      const q = questions[position];
      if (!q) throw new Error(`too many answers: the questions are ${questions.map((x) => x.id).join(', ')}`);
      given[q.id] = arg;
    }
    position += 1;
  }
  return given;
}

function resolveChoice(question: Question, value: string): string | undefined {
  if (/^\d+$/.test(value.trim())) return question.choices[Number(value) - 1];
  return question.choices.find((c) => normalize(c) === normalize(value));
}

export class AnswerError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** Checks every question; an unknown id or a value that is no choice is an error naming the field. */
export function checkAnswer(given: Record<string, string>, questions: Question[], now = Date.now()): AnswerRecord {
  for (const id of Object.keys(given)) {
    if (!questions.some((q) => q.id === id)) throw new AnswerError(id, `no such question (${questions.map((q) => q.id).join(', ')})`);
  }
  const results = questions.map((q) => {
    const raw = given[q.id];
    if (raw === undefined) throw new AnswerError(q.id, `missing: ${q.ask} (${q.choices.map((c, i) => `${i + 1}) ${c}`).join(' · ')})`);
    const choice = resolveChoice(q, raw);
    if (choice === undefined) throw new AnswerError(q.id, `"${raw}" is not one of the choices (${q.choices.map((c, i) => `${i + 1}) ${c}`).join(' · ')})`);
    return { id: q.id, given: choice, correct: choice === q.answer };
  });
  return { at: now, given: Object.fromEntries(results.map((r) => [r.id, r.given ?? ''])), results, correct: results.every((r) => r.correct) };
}

export type Verdict = ScenarioVerdict;

export function verdict(state: ScenarioState): Verdict {
  const last = state.answers.at(-1);
  const breakChecks = state.checks.filter((c) => c.kind !== 'recovery');
  const recovery = state.checks.filter((c) => c.kind === 'recovery');
  const symptomsVerified = breakChecks.length > 0 && breakChecks.every((c) => c.ok);
  const restored = state.phase === 'restored' && recovery.length > 0 && recovery.every((c) => c.ok);
  const lines: string[] = [];
  lines.push(last ? (last.correct ? `answer: right (${last.results.length}/${last.results.length})` : `answer: ${last.results.filter((r) => r.correct).length}/${last.results.length} right — try again (npm run scenario -- hint)`) : 'answer: not given yet (npm run scenario -- answer …)');
  lines.push(`symptoms verified in the telemetry: ${symptomsVerified ? 'yes' : breakChecks.some((c) => !c.ok) ? 'no' : 'not yet'}`);
  lines.push(`lab restored: ${restored ? 'yes' : state.phase === 'not-restored' || state.phase === 'failed' ? 'no' : 'not yet'}`);
  const finished = ['restored', 'not-restored', 'failed', 'stopped'].includes(state.phase);
  const failed = state.phase === 'failed' || state.phase === 'not-restored' || (finished && breakChecks.some((c) => !c.ok));
  const status = last?.correct && symptomsVerified && restored ? 'solved' : failed ? 'failed' : 'not-yet';
  return { status, answered: last !== undefined, answerCorrect: last?.correct ?? false, symptomsVerified, restored, lines };
}
