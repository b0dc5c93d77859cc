/**
 * The scenario server's HTTP answers (chaos/src/scenarios/server.ts, `npm run scenario -- serve`), as the map's
 * scenario panel reads them: the course, and the trainee's view of the scenario being played (no answers, only the
 * hints asked for). The player keeps its own state in the same shapes (chaos/src/scenarios/game.ts).
 */

/** One scenario of the course (GET /scenarios). */
export interface ScenarioSummary {
  number: number;
  id: string;
  title: string;
  level: string;
  teaches: string;
  experiment?: string;
}

export type ScenarioCheckKind = 'alert' | 'sli' | 'trace' | 'silent' | 'experiment' | 'recovery';

/** A symptom or recovery verified in the lab's telemetry. */
export interface ScenarioCheck {
  kind: ScenarioCheckKind;
  name: string;
  ok: boolean;
  /** ms after the break started (seen), or after it ended (recovered). */
  afterMs?: number;
  detail?: string;
}

/** A fault of the scenario's break, as the player records it. */
export interface ScenarioFault {
  id: string;
  name: string;
  kind: string;
  components: string[];
  expiresAt: number;
  reverted?: boolean;
}

export interface ScenarioAnswerResult {
  id: string;
  given: string | undefined;
  correct: boolean;
}

export interface ScenarioVerdict {
  /** solved: answered right, the symptoms verified and the lab restored. */
  status: 'solved' | 'not-yet' | 'failed';
  answered: boolean;
  answerCorrect: boolean;
  symptomsVerified: boolean;
  restored: boolean;
  lines: string[];
}

/** GET /scenario: `active: false` alone when nothing is being played. */
export interface ScenarioView {
  active: boolean;
  now?: number;
  number?: number;
  id?: string;
  title?: string;
  level?: string;
  teaches?: string;
  story?: string;
  phase?: string;
  startedAt?: number;
  breakAt?: number;
  fleetId?: string;
  symptoms?: Array<{ signal: string; name: string; where: string }>;
  hints?: string[];
  hintsLeft?: number;
  questions?: Array<{ id: string; ask: string; choices: string[] }>;
  lastAnswer?: { at: number; given: Record<string, string>; results: ScenarioAnswerResult[]; correct: boolean };
  explanations?: Array<{ id: string; answer: string; because: string }>;
  faults?: Array<ScenarioFault & { secondsLeft: number }>;
  checks?: ScenarioCheck[];
  log?: Array<{ at: number; line: string }>;
  error?: string;
  verdict?: ScenarioVerdict;
}
