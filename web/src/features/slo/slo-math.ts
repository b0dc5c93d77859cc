// What the cockpit says about each SLO, from two error ratios read in Prometheus: the SLI now (a short window),
// the burn rate (how many times faster than sustainable the budget goes), and the error budget left over the
// lab's budget window. Pure functions, unit-tested.
import { alertNames, errorBudget, errorRatioExpr, type Slo } from '../../lib/slo-spec';
import type { PrometheusAlert } from '../../lib/prometheus-client';

/** The SLI "now": the error ratio over the last minute. */
export const SHORT_WINDOW = '1m';
/**
 * The budget window of the cockpit. The SLOs' own is 28 days, which a lab started this morning has not lived; an hour
 * is what a training session sees spent.
 */
export const BUDGET_WINDOW = '1h';
/** A page: the budget burns 14.4 times faster than sustainable (2 % of 30 days in an hour), the fast-burn alerts' factor. */
export const FAST_BURN = 14.4;

export interface SloQueries {
  short: string;
  budget: string;
}

/** The PromQL the panel runs; gauge SLIs use the inline subquery so the panel needs no recording rule. */
export function sloQueries(slo: Slo): SloQueries {
  return { short: errorRatioExpr(slo, SHORT_WINDOW, 'subquery'), budget: errorRatioExpr(slo, BUDGET_WINDOW, 'subquery') };
}

export type SloStatus = 'no-data' | 'ok' | 'burning' | 'fast-burn' | 'exhausted' | 'alerting';

export interface SloView {
  slo: Slo;
  /** 1 - error ratio over SHORT_WINDOW; null without traffic. */
  sli: number | null;
  /** Error ratio over SHORT_WINDOW / the error budget. */
  burnRate: number | null;
  /** Share of the budget left over BUDGET_WINDOW: 1 untouched, 0 spent, below 0 overspent. */
  budgetRemaining: number | null;
  /** Alerts of this SLO that are firing. */
  firing: PrometheusAlert[];
  status: SloStatus;
}

const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);

export function burnRate(errorRatio: number | null, slo: Slo): number | null {
  return finite(errorRatio) ? errorRatio / errorBudget(slo) : null;
}

export function budgetRemaining(errorRatio: number | null, slo: Slo): number | null {
  return finite(errorRatio) ? 1 - errorRatio / errorBudget(slo) : null;
}

/** The alerts that belong to an SLO: by its `slo` label, or by the generated alert names. */
export function alertsOf(slo: Slo, alerts: readonly PrometheusAlert[]): PrometheusAlert[] {
  const names = alertNames(slo);
  return alerts.filter((a) => a.labels.slo === slo.id || a.labels.alertname === names.page || a.labels.alertname === names.ticket);
}

export function sloView(slo: Slo, shortErrorRatio: number | null, budgetErrorRatio: number | null, alerts: readonly PrometheusAlert[]): SloView {
  const firing = alertsOf(slo, alerts).filter((a) => a.state === 'firing');
  const burn = burnRate(shortErrorRatio, slo);
  const remaining = budgetRemaining(budgetErrorRatio, slo);
  const sli = finite(shortErrorRatio) ? 1 - shortErrorRatio : null;
  let status: SloStatus;
  if (firing.length > 0) status = 'alerting';
  else if (burn === null && remaining === null) status = 'no-data';
  else if (remaining !== null && remaining <= 0) status = 'exhausted';
  else if (burn !== null && burn >= FAST_BURN) status = 'fast-burn';
  else if (burn !== null && burn > 1) status = 'burning';
  else status = 'ok';
  return { slo, sli, burnRate: burn, budgetRemaining: remaining, firing, status };
}

/** 99.42 %, with as many decimals as the objective needs to be told apart from it. */
export function formatRatio(ratio: number | null, digits = 2): string {
  if (ratio === null) return '–';
  return `${(ratio * 100).toFixed(digits)} %`;
}

/** The budget bar's fill: 0…1, overspent shows empty. */
export function budgetFill(remaining: number | null): number {
  if (remaining === null) return 0;
  return Math.min(1, Math.max(0, remaining));
}

/** "budget 72 % left", or, once it is gone, how many whole budgets were spent: "budget spent 3.4×". */
export function budgetText(remaining: number | null): string {
  if (remaining === null) return 'budget –';
  if (remaining >= 0) return `budget ${formatRatio(remaining, 0)} left`;
  return `budget spent ${(1 - remaining).toFixed(1)}×`;
}
