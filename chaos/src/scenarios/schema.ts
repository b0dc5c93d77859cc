/**
 * The scenario format: one YAML file per scenario in chaos/scenarios, `NN-name.yaml`, validated here. A scenario is
 * a lesson built on the chaos engine: a story, a break (a chaos experiment and/or a load), the symptoms and where to
 * look, hints that unfold one at a time, a question whose answer is checked, and the verification the lab's own
 * telemetry gives (Prometheus alerts and SLIs, Jaeger traces), for the break and for the restore. Errors name the
 * field (`questions.1.answer: …`), as the experiment schema's do.
 */
import { z } from 'zod';
import { duration, expectedAlert, expectedSli, formatIssues, type ExpectedSli } from '../schema';

export type ScenarioSli = ExpectedSli;

/** A trace in Jaeger that shows the symptom: searched by service, operation and tags after the break started. */
const traceCheck = z
  .object({
    name: z.string().min(1),
    service: z.enum(['api', 'simulator', 'consumer']),
    operation: z.string().min(1).optional(),
    /** Jaeger tag search; `{fleetId}` is replaced by the scenario's fleet. */
    tags: z.record(z.string(), z.string()).default({}),
    /** Every one of these services must have a span in the trace found (a trip seen end to end). */
    services: z.array(z.enum(['api', 'simulator', 'consumer'])).default([]),
    /** The trace must hold a span marked as an error (status ERROR), of this service when given. */
    errorSpan: z.boolean().default(false),
    within: duration,
  })
  .strict();
export type TraceCheck = z.infer<typeof traceCheck>;

const loadSpec = z
  .object({
    /** A fleet started with the break (POST /fleets): the scenario's own traffic. */
    fleet: z
      .object({
        vehicles: z.number().int().min(1).max(5_000),
        points: z.number().int().min(2).max(5_000),
        paceMs: z.number().int().min(10).max(60_000),
      })
      .strict()
      .optional(),
    requestsPerSecond: z.number().min(0).max(100).default(0),
    watch: z.boolean().default(false),
    /** A run of the local load driver (loadtests/driver) with one of its named profiles. */
    profile: z
      .object({
        name: z.enum(['smoke', 'average', 'stress', 'spike']),
        vehicles: z.number().int().min(1).max(20_000).optional(),
        /** Seconds: the profile squeezed to this length (loadtests' --duration). */
        seconds: z.number().int().min(10).max(600),
        paceMs: z.number().int().min(10).max(60_000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ScenarioLoad = z.infer<typeof loadSpec>;

const symptom = z
  .object({
    /** What kind of signal shows it. */
    signal: z.enum(['alert', 'sli', 'metric', 'trace', 'log', 'dashboard', 'map']),
    name: z.string().min(1),
    /** Where the trainee finds it, in each lab. */
    where: z.string().min(1),
  })
  .strict();

const question = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a short id such as service or cause'),
    ask: z.string().min(1),
    choices: z.array(z.string().min(1)).min(2),
    answer: z.string().min(1),
    /** Why the answer is right, shown with the verdict. */
    because: z.string().min(1),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (!q.choices.includes(q.answer)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['answer'], message: `the answer must be one of the choices (${q.choices.join(', ')})` });
    if (new Set(q.choices).size !== q.choices.length) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['choices'], message: 'choices must be distinct' });
  });
export type Question = z.infer<typeof question>;

export const scenario = z
  .object({
    title: z.string().min(1),
    level: z.enum(['first steps', 'intermediate', 'hard']),
    /** What the trainee learns, one line. */
    teaches: z.string().min(1),
    story: z.string().min(1),
    break: z
      .object({
        /** A chaos experiment in chaos/experiments: its faults, load, gate, expectations and recovery. */
        experiment: z.string().regex(/^[a-z0-9-]+$/, 'expected an experiment name (npm run chaos -- list)').optional(),
        /** Traffic of the scenario's own, beside (or instead of) the experiment's. */
        load: loadSpec.optional(),
        /** With no experiment: how long the load runs before the restore. */
        lasts: duration.optional(),
      })
      .strict()
      .superRefine((b, ctx) => {
        if (!b.experiment && !b.load) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['experiment'], message: 'a break needs an experiment, a load, or both' });
        if (!b.experiment && b.lasts === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['lasts'], message: 'a break without an experiment needs lasts (how long its load runs)' });
      }),
    symptoms: z.array(symptom).min(1),
    hints: z.array(z.string().min(1)).min(1),
    questions: z.array(question).min(1),
    /** What the telemetry must show, beyond what the experiment itself expects. */
    verify: z
      .object({
        alerts: z.array(expectedAlert).default([]),
        slis: z.array(expectedSli).default([]),
        traces: z.array(traceCheck).default([]),
        /** Alerts that must stay silent all along (a noisy fleet is not an outage). */
        silent: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
      })
      .strict()
      .default({}),
    /** After the break ends: these SLIs back (below/above no more), within this long. The experiment's recovery too. */
    restore: z
      .object({
        within: duration.default('3m'),
        explain: z.string().min(1),
      })
      .strict(),
    /** Measured in the local lab: how long after the break the first symptom shows (docs/scenarios.md). */
    showsAfter: z.string().min(1).optional(),
  })
  .strict();

export type Scenario = z.infer<typeof scenario>;

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not a valid scenario:\n  ${problems.join('\n  ')}`);
  }
}

export function parseScenario(document: unknown, file = 'scenario'): Scenario {
  const result = scenario.safeParse(document);
  if (!result.success) throw new ScenarioError(file, formatIssues(result.error));
  return result.data;
}
