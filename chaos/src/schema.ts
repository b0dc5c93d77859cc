/**
 * The experiment format: one YAML file per experiment in chaos/experiments, validated here. Errors name the field
 * (`method.0.target.mode: …`), so a typo in an experiment is found before anything is broken.
 *
 * Shape, after chaostoolkit (steady-state hypothesis before and after, method, rollbacks), Chaos Mesh (a duration
 * after which a fault reverts; selector mode one/all/fixed-percent) and Istio (delay/abort by percentage):
 * title, hypothesis, load, steadyState probes, method (faults), duration, abort conditions, rollbacks, expect.
 */
import { z } from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `250ms`, `30s`, `2m`, `1h` or a number of milliseconds, to milliseconds. */
export const duration = z
  .union([z.number().int().nonnegative(), z.string()])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
    if (!match) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a duration like 500ms, 30s or 2m, got "${value}"` });
      return z.NEVER;
    }
    return Math.round(Number(match[1]) * UNITS[match[2]!]!);
  });

/** What a fault can hit. Services and infrastructure have the same names in both labs. */
export const componentNames = ['api', 'simulator', 'consumer', 'kafka', 'database'] as const;
export type ComponentName = (typeof componentNames)[number];
export const serviceComponents = ['api', 'simulator', 'consumer'] as const;
export type ServiceComponent = (typeof serviceComponents)[number];
/** The dependencies a network fault sits in front of (toxiproxy locally). */
export const dependencyNames = ['kafka', 'database'] as const;
export type DependencyName = (typeof dependencyNames)[number];

/**
 * Blast radius: which of the candidate components (or, in Kubernetes, pods) a fault hits.
 * one: a single one picked at random · all · percent: ceil(percent % of them), at least one ·
 * match: those whose name (locally) or labels (in Kubernetes) match.
 */
export const target = z
  .object({
    components: z.array(z.enum(componentNames)).min(1),
    mode: z.enum(['one', 'all', 'percent', 'match']).default('all'),
    percent: z.number().min(1).max(100).optional(),
    /** A regular expression on the component name locally; a label selector (`app=api`) in Kubernetes. */
    match: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.mode === 'percent' && t.percent === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['percent'], message: 'mode percent needs percent (1-100)' });
    }
    if (t.mode === 'match' && t.match === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['match'], message: 'mode match needs match' });
    }
  });
export type Target = z.infer<typeof target>;

const faultCommon = {
  /** Shown in progress and reports. */
  name: z.string().min(1).optional(),
  /** Starts this long after the run's method begins. */
  after: duration.default(0),
  /** Reverts this long after it was injected; the experiment's duration when absent. */
  duration: duration.optional(),
};

/** SIGKILL (locally) or pod delete (Kubernetes): no chance to flush or commit; the supervisor restarts it. */
const killFault = z.object({ fault: z.literal('kill'), target, ...faultCommon }).strict();
/** SIGSTOP until the fault reverts (SIGCONT): alive but answering nothing, the hardest failure to see. */
const freezeFault = z.object({ fault: z.literal('freeze'), target, ...faultCommon }).strict();
/** Held down (stopped, not restarted) until the fault reverts; locally a broker or database outage, in Kubernetes scale to zero. */
const outageFault = z.object({ fault: z.literal('outage'), target, ...faultCommon }).strict();

const toxic = z.discriminatedUnion('type', [
  z.object({ type: z.literal('latency'), latencyMs: z.number().int().min(1), jitterMs: z.number().int().min(0).default(0) }).strict(),
  z.object({ type: z.literal('bandwidth'), rateKBps: z.number().int().min(1) }).strict(),
  /** Data stops flowing; the connection closes after timeoutMs (0: never). */
  z.object({ type: z.literal('timeout'), timeoutMs: z.number().int().min(0) }).strict(),
  /** TCP RST after timeoutMs. */
  z.object({ type: z.literal('reset'), timeoutMs: z.number().int().min(0).default(0) }).strict(),
  /** A partition: the link refuses and drops every connection. */
  z.object({ type: z.literal('partition') }).strict(),
]);
export type Toxic = z.infer<typeof toxic>;

/** A network fault on the links from services to a dependency: toxiproxy locally, a NetworkPolicy in Kubernetes. */
const networkFault = z
  .object({
    fault: z.literal('network'),
    /** The services whose link is hit (blast radius applies to them). */
    target,
    to: z.enum(dependencyNames),
    toxic,
    /** Share of connections the toxic applies to, 0-1. */
    toxicity: z.number().min(0).max(1).default(1),
    direction: z.enum(['upstream', 'downstream', 'both']).default('both'),
    ...faultCommon,
  })
  .strict();

/** HTTP delay or abort in the api, by percentage of requests (Istio's fault injection; in-process locally). */
const httpFault = z
  .object({
    fault: z.literal('http'),
    target,
    delayMs: z.number().int().min(1).max(60_000).optional(),
    abortStatus: z.number().int().min(400).max(599).optional(),
    /** Share of matching requests affected, 0-100. */
    percent: z.number().min(0).max(100),
    /** Only requests whose path starts with this. */
    pathPrefix: z.string().startsWith('/').optional(),
    /** Only requests carrying this header with this value: an Istio match, so Kubernetes only (the local lab refuses it). */
    header: z.object({ name: z.string().regex(/^[a-z0-9-]+$/, 'a header name in lower case'), exact: z.string().min(1) }).strict().optional(),
    ...faultCommon,
  })
  .strict();

/**
 * CPU and memory stress inside the target's pods: Chaos Mesh's StressChaos (stress-ng in the pods' cgroups), so the
 * cluster lab with `--chaos-mesh` only (an experiment listing `local` in its targets cannot have one).
 */
const stressFault = z
  .object({
    fault: z.literal('stress'),
    target,
    /** stress-ng CPU workers, each loading one CPU to `load` percent. */
    cpu: z.object({ workers: z.number().int().min(1).max(64), load: z.number().int().min(1).max(100).default(100) }).strict().optional(),
    /** stress-ng memory workers, each holding `size` (bytes with a unit, e.g. 256MB, or a share of the memory, e.g. 50%). */
    memory: z
      .object({ workers: z.number().int().min(1).max(64), size: z.string().regex(/^\d+(B|KB|MB|GB|%)$/, 'a size such as 256MB or 50%') })
      .strict()
      .optional(),
    ...faultCommon,
  })
  .strict();

/** Discriminated on `fault`, so a problem is reported on the field of the kind written, not as "Invalid input". */
export const fault = z
  .discriminatedUnion('fault', [killFault, freezeFault, outageFault, networkFault, httpFault, stressFault])
  .superRefine((f, ctx) => {
    if (f.fault === 'network') {
      f.target.components.forEach((c, i) => {
        if (!(serviceComponents as readonly string[]).includes(c)) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['target', 'components', i], message: `a network fault starts at a service, not ${c}` });
        }
      });
    }
    if (f.fault === 'stress' && !f.cpu && !f.memory) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['cpu'], message: 'a stress fault needs cpu, memory or both' });
    }
    if (f.fault === 'http') {
      if (f.delayMs === undefined && f.abortStatus === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['delayMs'], message: 'an http fault needs delayMs, abortStatus or both' });
      }
      f.target.components.forEach((c, i) => {
        if (c !== 'api') ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['target', 'components', i], message: `only the api serves HTTP, not ${c}` });
      });
    }
  });
export type FaultSpec = z.infer<typeof fault>;
export type FaultKind = FaultSpec['fault'];

/** A bound on a number; a probe holds when its value is within it. */
const tolerance = z
  .object({ min: z.number().optional(), max: z.number().optional() })
  .strict()
  .refine((t) => t.min !== undefined || t.max !== undefined, { message: 'a tolerance needs min, max or both' });
export type Tolerance = z.infer<typeof tolerance>;

/** A PromQL query against the lab's Prometheus, reduced to one number (the first sample, or the sum with `sum`). */
export const probe = z
  .object({
    name: z.string().min(1),
    query: z.string().min(1),
    tolerance,
    /** What an empty result means: no traffic yet reads as 0 for an error ratio, but as a failure for a rate. */
    whenEmpty: z.enum(['pass', 'fail', 'zero']).default('fail'),
  })
  .strict();
export type Probe = z.infer<typeof probe>;

const abortCondition = probe.extend({
  /** Aborts when the probe is outside its tolerance this long (checked every few seconds). */
  for: duration.default(0),
});
export type AbortCondition = z.infer<typeof abortCondition>;

const rollback = z.discriminatedUnion('action', [
  /** Waits until these components answer ready again (starting any that is held down). */
  z.object({ action: z.literal('ensure-ready'), components: z.array(z.enum(componentNames)).min(1) }).strict(),
  /** Removes every fault in the lab, not only this run's. */
  z.object({ action: z.literal('reset-all') }).strict(),
]);
export type Rollback = z.infer<typeof rollback>;

/** An alert that must fire: shared with the scenarios' symptoms (scenarios/schema.ts). */
export const expectedAlert = z
  .object({
    alert: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an alert name'),
    /** Must be firing within this long of the first fault (of the break, in a scenario). */
    within: duration,
  })
  .strict();

/** An SLI that must move: shared with the scenarios' symptoms (scenarios/schema.ts). */
export const expectedSli = z
  .object({
    name: z.string().min(1),
    /** PromQL against the lab's Prometheus, reduced to one number (the sum over the series). */
    query: z.string().min(1),
    /** Moved: the value goes above `above` or below `below` while the fault is on. */
    above: z.number().optional(),
    below: z.number().optional(),
    within: duration,
  })
  .strict()
  .refine((s) => s.above !== undefined || s.below !== undefined, { message: 'an SLI that must move needs above or below', path: ['above'] });
export type ExpectedSli = z.infer<typeof expectedSli>;

const load = z
  .object({
    /** A fleet started before the steady-state check, stopped after the run. */
    fleet: z
      .object({
        vehicles: z.number().int().min(1).max(1_000),
        points: z.number().int().min(2).max(5_000),
        paceMs: z.number().int().min(10).max(60_000),
        seed: z.number().int().optional(),
      })
      .strict()
      .optional(),
    /** Steady HTTP reads against the api (GET /routes, /trips) so its SLIs have traffic. */
    requestsPerSecond: z.number().min(0).max(100).default(0),
    /** A browser-like socket.io client subscribed to the fleet, so position freshness has samples. */
    watch: z.boolean().default(false),
  })
  .strict();
export type Load = z.infer<typeof load>;

export const experiment = z
  .object({
    title: z.string().min(1),
    hypothesis: z.string().min(1),
    description: z.string().optional(),
    /** The labs it runs in. */
    targets: z.array(z.enum(['local', 'k8s'])).min(1).default(['local']),
    load: load.default({}),
    /** Checked before any fault (a gate: no fault when it does not hold) and again after recovery. */
    steadyState: z.array(probe).default([]),
    /** Waits this long after starting the load before the gate, so the SLIs have samples. */
    warmup: duration.default('10s'),
    method: z.array(fault).min(1),
    /** Every fault reverts by itself this long after it was injected, unless it names its own duration. */
    duration,
    /** Checked continuously while faults are on; a breach reverts everything at once. */
    abort: z.array(abortCondition).default([]),
    /** Run after every run, whatever happened: Ctrl-C, a crash of a step, a timeout. */
    rollbacks: z.array(rollback).default([]),
    expect: z
      .object({
        alerts: z.array(expectedAlert).default([]),
        slis: z.array(expectedSli).default([]),
        /** After the last revert: named alerts resolved, steady state back, within this long. */
        recoverWithin: duration.default('2m'),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((e, ctx) => {
    e.method.forEach((f, i) => {
      const lasts = f.duration ?? e.duration;
      if (lasts <= 0) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['method', i, 'duration'], message: 'a fault must last longer than 0' });
      if (f.fault === 'stress' && e.targets.includes('local')) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['method', i, 'fault'], message: "a stress fault is Chaos Mesh's StressChaos, cluster only: targets [k8s]" });
      }
    });
    if (e.duration > 30 * 60_000) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['duration'], message: 'at most 30m: a fault should never outlive the people watching it' });
    }
  });

export type Experiment = z.infer<typeof experiment>;
export type ExperimentInput = z.input<typeof experiment>;

/** Zod's issues as `path: message` lines, the path in dotted form as in the YAML. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

export class ExperimentError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not a valid experiment:\n  ${problems.join('\n  ')}`);
  }
}

/** Validates a parsed document; throws ExperimentError naming every bad field. */
export function parseExperiment(document: unknown, file = 'experiment'): Experiment {
  const result = experiment.safeParse(document);
  if (!result.success) throw new ExperimentError(file, formatIssues(result.error));
  return result.data;
}

/** When a fault of the experiment reverts, relative to the method's start. */
export function faultWindow(e: Experiment, f: FaultSpec): { startMs: number; endMs: number } {
  return { startMs: f.after, endMs: f.after + (f.duration ?? e.duration) };
}

/** The method's whole length: until the last fault reverts. */
export function methodLength(e: Experiment): number {
  return Math.max(...e.method.map((f) => faultWindow(e, f).endMs));
}
