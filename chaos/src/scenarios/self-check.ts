/**
 * A scenario played unattended: the break, the symptoms expected in the telemetry, the restore, recovery expected;
 * then the key's answer checked as a trainee's would be. Solved means every check passed.
 */
import type { Ledger } from '../ledger';
import type { RunReport } from '../runner';
import type { LoadedScenario } from './catalog';
import { checkAnswer, newState, verdict, type ScenarioState, type Verdict } from './game';
import { playScenario } from './play';
import type { ScenarioDriver } from './target';

export interface SelfCheck {
  state: ScenarioState;
  verdict: Verdict;
  report?: RunReport;
  /** When the first symptom showed, ms after the break started. */
  firstSymptomMs?: number;
  lines: string[];
}

export async function selfCheck(options: {
  loaded: LoadedScenario;
  driver: ScenarioDriver;
  jaegerUrl: string;
  skipProbes?: string;
  ledger: Ledger;
  log?: (line: string) => void;
  signal?: AbortSignal;
  reportFile?: string;
  gateTimeoutMs?: number;
}): Promise<SelfCheck> {
  const { loaded } = options;
  const state = newState(loaded.number, loaded.id, loaded.scenario.title);
  const { report } = await playScenario({ ...options, state, endWhenSeen: true });
  const key = Object.fromEntries(loaded.scenario.questions.map((q) => [q.id, q.answer]));
  state.answers.push(checkAnswer(key, loaded.scenario.questions));
  const v = verdict(state);
  const seen = state.checks.filter((c) => c.kind !== 'recovery' && c.kind !== 'silent' && c.afterMs !== undefined).map((c) => c.afterMs!);
  const firstSymptomMs = seen.length > 0 ? Math.min(...seen) : undefined;
  const lines = [
    '',
    `self-check of scenario ${loaded.number} (${loaded.id}): ${v.status}`,
    ...state.checks.map((c) => `  ${c.ok ? '✓' : '✗'} ${c.kind} ${c.name}${c.afterMs === undefined ? '' : ` — ${c.kind === 'recovery' ? 'back' : 'seen'} after ${(c.afterMs / 1000).toFixed(0)} s`}${c.detail ? ` (${c.detail})` : ''}`),
    ...v.lines.map((l) => `  ${l}`),
    `  first symptom after ${firstSymptomMs === undefined ? '-' : `${(firstSymptomMs / 1000).toFixed(0)} s`}`,
    ...(state.error ? [`  error: ${state.error}`] : []),
  ];
  return { state, verdict: v, report, firstSymptomMs, lines };
}
