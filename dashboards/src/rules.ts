// Prometheus recording rules, multiwindow multi-burn-rate alerts and their promtool tests, from the SLO spec.
import { SLOS, alertNames, errorBudget, errorRatioExpr, gaugeBadExpr, gaugeBadRecord, percent, type Slo } from './slos';

/** The SRE workbook's tiers (chapter 5, "Alerting on SLOs"): 2% of a 30-day budget in 1 h, 5% in 6 h, 10% in 3 d. */
export interface BurnTier {
  severity: 'page' | 'ticket';
  factor: number;
  long: string;
  short: string;
}

export const PRODUCTION_TIERS: readonly (readonly [BurnTier, BurnTier])[] = [
  [
    { severity: 'page', factor: 14.4, long: '1h', short: '5m' },
    { severity: 'page', factor: 6, long: '6h', short: '30m' },
  ],
  [
    { severity: 'ticket', factor: 3, long: '1d', short: '2h' },
    { severity: 'ticket', factor: 1, long: '3d', short: '6h' },
  ],
];

export const PRODUCTION_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

export interface RuleProfile {
  name: 'production' | 'lab';
  /** Maps a production window to this profile's window. */
  window(production: string): string;
  /** `for` of the page and ticket alerts. */
  for: { page: string; ticket: string };
  /** The evaluation interval the promtool tests use (also the input sample interval). */
  testInterval: string;
  /** Multiplies every test duration given in production minutes. */
  testScale: number;
}

/** Seconds of a Prometheus duration (only the units we use). */
export function seconds(duration: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(duration);
  if (!m) throw new Error(`unsupported duration ${duration}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

export function duration(totalSeconds: number): string {
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (totalSeconds % size === 0) return `${totalSeconds / size}${unit}`;
  }
  return `${totalSeconds}s`;
}

export const PRODUCTION: RuleProfile = {
  name: 'production',
  window: (w) => w,
  for: { page: '2m', ticket: '15m' },
  testInterval: '1m',
  testScale: 1,
};

/**
 * The lab variant: every window divided by 60, so an hour of production is a minute of a training session, but never
 * under 30 s: the lab scrapes every 5 s and a rate needs several samples. 5m and 30m both become 30 s; the page tier
 * fires about a minute into a real outage, the slow ticket tier within an hour.
 */
export const LAB: RuleProfile = {
  name: 'lab',
  window: (w) => duration(Math.max(30, seconds(w) / 60)),
  for: { page: '10s', ticket: '1m' },
  testInterval: '5s',
  testScale: 1 / 60,
};

export function recordName(window: string): string {
  return `fleetlab_slo:sli_error:ratio_rate${window}`;
}

export const OBJECTIVE_RECORD = 'fleetlab_slo:objective:ratio';

export interface RuleFile {
  groups: Array<{ name: string; interval?: string; rules: Array<Record<string, unknown>> }>;
}

export interface AlertOptions {
  /** Prefix of runbook_url; the anchor is the alert name in lower case. */
  runbookBase: string;
}

/** Relative to the repository root: the project has no canonical remote yet. `generate --runbook-base <url>` makes
 * the links absolute, e.g. https://github.com/<owner>/fleetlab/blob/main/docs/runbooks.md. */
export const DEFAULT_RUNBOOK_BASE = 'docs/runbooks.md';

function windowsOf(profile: RuleProfile): string[] {
  return [...new Set(PRODUCTION_WINDOWS.map((w) => profile.window(w)))];
}

function sloLabels(slo: Slo): Record<string, string> {
  return { slo: slo.id, service: slo.service };
}

function tierCondition(slo: Slo, tier: BurnTier, profile: RuleProfile): string {
  const budget = errorBudget(slo);
  const threshold = `(${tier.factor} * ${budget})`;
  const long = `${recordName(profile.window(tier.long))}{slo="${slo.id}"}`;
  const short = `${recordName(profile.window(tier.short))}{slo="${slo.id}"}`;
  return `(\n  ${long} > ${threshold}\nand\n  ${short} > ${threshold}\n)`;
}

export interface AlertSpec {
  name: string;
  slo: Slo;
  severity: 'page' | 'ticket';
  tiers: readonly [BurnTier, BurnTier];
}

export function alertSpecs(): AlertSpec[] {
  return SLOS.flatMap((slo) => {
    const names = alertNames(slo);
    return PRODUCTION_TIERS.map((tiers) => ({
      name: tiers[0].severity === 'page' ? names.page : names.ticket,
      slo,
      severity: tiers[0].severity,
      tiers,
    }));
  });
}

function tierText(tier: BurnTier, profile: RuleProfile): string {
  return `${tier.factor}× over ${profile.window(tier.long)} and ${profile.window(tier.short)}`;
}

function annotations(a: AlertSpec, profile: RuleProfile, options: AlertOptions): Record<string, string> {
  const { slo } = a;
  const speed = a.severity === 'page' ? 'fast' : 'slow';
  return {
    summary: `${slo.title} SLO is burning its error budget ${a.severity === 'page' ? 'fast' : 'steadily'}.`,
    description:
      `${slo.title} (${slo.description}) is ${percent(slo.objective)} over ${slo.window}. ` +
      `Its errors are using the budget at the ${speed} burn rate ` +
      `(${a.tiers.map((t) => tierText(t, profile)).join(', or ')}). ` +
      `Query ${recordName(profile.window(a.tiers[0].long))}{slo="${slo.id}"}; dashboards /d/fleetlab-slos and /d/${slo.dashboardUid}.`,
    runbook_url: `${options.runbookBase}#${a.name.toLowerCase()}`,
  };
}

export function ruleFile(profile: RuleProfile, options: AlertOptions = { runbookBase: DEFAULT_RUNBOOK_BASE }): RuleFile {
  const groups: RuleFile['groups'] = [];
  for (const slo of SLOS) {
    const rules: Array<Record<string, unknown>> = [];
    const bad = gaugeBadExpr(slo);
    if (bad !== undefined) {
      // A gauge has no counter to rate: one bool sample per evaluation, averaged over each window below.
      rules.push({ record: gaugeBadRecord(slo), expr: bad });
    }
    for (const w of windowsOf(profile)) {
      rules.push({ record: recordName(w), expr: errorRatioExpr(slo, w), labels: sloLabels(slo) });
    }
    rules.push({ record: OBJECTIVE_RECORD, expr: `vector(${slo.objective})`, labels: sloLabels(slo) });
    groups.push({ name: `fleetlab-slo-${slo.id}.rules`, rules });
  }
  const alerts = alertSpecs().map((a) => ({
    alert: a.name,
    expr: a.tiers.map((t) => tierCondition(a.slo, t, profile)).join('\nor\n'),
    for: profile.for[a.severity],
    labels: { severity: a.severity },
    annotations: annotations(a, profile, options),
  }));
  groups.push({ name: 'fleetlab-slo.alerts', rules: alerts });
  return { groups };
}

// ---------------------------------------------------------------------------------------------------------------------
// promtool tests: for every alert, a burn that fires it and one that must not.

interface Scenario {
  /** Burn rate the input series produce: 1 = exactly the error budget. */
  burn: number;
  /** When to evaluate, in production minutes. */
  atMinutes: number;
}

/** Page: a 20× outage pages within minutes; a 5× burn (a ticket's worth) must not page. Ticket: a 5× burn opens a
 * ticket once the 2 h window agrees; a burn within budget (0.5×) never does. */
const SCENARIOS: Record<'page' | 'ticket', { fires: Scenario; silent: Scenario }> = {
  page: { fires: { burn: 20, atMinutes: 75 }, silent: { burn: 5, atMinutes: 75 } },
  ticket: { fires: { burn: 5, atMinutes: 150 }, silent: { burn: 0.5, atMinutes: 150 } },
};

interface InputSeries {
  series: string;
  values: string;
}

function labelsOf(selector: string, extra: Record<string, string>): string {
  // Test series carry the selector's equality labels (regex matchers get a matching value) plus the extras.
  const labels: Record<string, string> = {};
  for (const m of selector.matchAll(/(\w+)(=~?)"([^"]*)"/g)) {
    const [, name, op, value] = m as unknown as [string, string, string, string];
    labels[name] = op === '=' ? value : value.replace('5..', '500');
  }
  Object.assign(labels, extra);
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
}

/** Input series whose error ratio is burn × budget, and the burn actually produced (counts are whole numbers). */
function inputs(slo: Slo, burn: number, samples: number): { series: InputSeries[]; actualBurn: number } {
  const budget = errorBudget(slo);
  const s = slo.sli;
  const perSample = 10_000;
  const bad = Math.round(burn * budget * perSample);
  const grow = (n: number): string => `0+${n}x${samples}`;
  switch (s.kind) {
    case 'requests': {
      const job = { job: slo.service, method: 'GET', route: '/routes' };
      return {
        series: [
          { series: `${s.metric}{${labelsOf(s.selector, { ...job, status_code: '200' })}}`, values: grow(perSample - bad) },
          { series: `${s.metric}{${labelsOf(s.errorSelector, job)}}`, values: grow(bad) },
        ],
        actualBurn: bad / perSample / budget,
      };
    }
    case 'latency': {
      const job = { job: slo.service };
      const le = String(s.thresholdSeconds);
      return {
        series: [
          { series: `${s.metric}_bucket{${labelsOf(s.selector, { ...job, le })}}`, values: grow(perSample - bad) },
          { series: `${s.metric}_count{${labelsOf(s.selector, job)}}`, values: grow(perSample) },
        ],
        actualBurn: bad / perSample / budget,
      };
    }
    case 'gauge-below': {
      // One partition over the threshold among `total`: the bad share is 1/total.
      const total = burn * budget > 0 ? Math.round(1 / (burn * budget)) : 10;
      const badCount = burn * budget > 0 ? 1 : 0;
      const series: InputSeries[] = [];
      for (let p = 0; p < total; p += 1) {
        const value = p < badCount ? s.threshold * 5 : Math.floor(s.threshold / 10);
        series.push({
          series: `${s.metric}{${labelsOf(s.selector, { job: slo.service, service: slo.service, topic: 'route.new-position', group: 'consumer', partition: String(p) })}}`,
          values: `${value}x${samples}`,
        });
      }
      return { series, actualBurn: badCount / total / budget };
    }
  }
}

function tierFires(tiers: readonly [BurnTier, BurnTier], burn: number): boolean {
  return tiers.some((t) => burn > t.factor);
}

export interface PromtoolTestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: Array<Record<string, unknown>>;
}

export function promtoolTests(profile: RuleProfile, ruleFileName: string, options: AlertOptions = { runbookBase: DEFAULT_RUNBOOK_BASE }): PromtoolTestFile {
  const intervalSeconds = seconds(profile.testInterval);
  const tests: Array<Record<string, unknown>> = [];
  for (const a of alertSpecs()) {
    for (const outcome of ['fires', 'silent'] as const) {
      const scenario = SCENARIOS[a.severity][outcome];
      const evalSeconds = Math.round(scenario.atMinutes * 60 * profile.testScale);
      const samples = Math.ceil(evalSeconds / intervalSeconds) + 2;
      const { series, actualBurn } = inputs(a.slo, scenario.burn, samples);
      // The scenario must mean what it says, whatever the objective: guard the generator, not only promtool.
      if (tierFires(a.tiers, actualBurn) !== (outcome === 'fires')) {
        throw new Error(`${a.name} ${outcome}: a burn of ${actualBurn} contradicts the scenario`);
      }
      // The other alert of the same SLO must not interfere: its result isn't asserted here.
      const expected =
        outcome === 'fires'
          ? [
              {
                exp_labels: { severity: a.severity, slo: a.slo.id, service: a.slo.service },
                exp_annotations: annotations(a, profile, options),
              },
            ]
          : [];
      tests.push({
        name: `${a.name} ${outcome === 'fires' ? 'fires' : 'stays silent'} at a ${Number(actualBurn.toFixed(2))}× burn`,
        interval: profile.testInterval,
        input_series: series,
        alert_rule_test: [{ eval_time: duration(evalSeconds), alertname: a.name, exp_alerts: expected }],
      });
    }
  }
  return { rule_files: [ruleFileName], evaluation_interval: profile.testInterval, tests };
}
