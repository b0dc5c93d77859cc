import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { RATE, ts, statPanel, base } from './panels';
import { SLOS, errorBudget, errorRatioExpr, percent, type Slo } from '../slos';

function sloRow(b: dashboard.DashboardBuilder, slo: Slo): void {
  const budget = errorBudget(slo);
  b.withRow(new dashboard.RowBuilder(`${slo.title}: ${percent(slo.objective)} over ${slo.window}`))
    .withPanel(
      statPanel(
        { title: `${slo.title}: SLI`, description: `${slo.description} Over the dashboard's time range; the objective is ${percent(slo.objective)}.`, unit: 'percentunit', queries: [{ expr: `1 - (${errorRatioExpr(slo, '$__range', 'subquery')})`, legend: 'SLI' }] },
        [
          { value: null, color: 'red' },
          { value: slo.objective, color: 'green' },
        ],
      ),
    )
    .withPanel(
      statPanel(
        {
          title: `${slo.title}: error budget left`,
          description: `Share of the error budget (${percent(budget)} of events) not yet spent over the dashboard's time range; set the range to ${slo.window} for the SLO window. Negative: the SLO is missed.`,
          unit: 'percentunit',
          queries: [{ expr: `1 - (${errorRatioExpr(slo, '$__range', 'subquery')}) / ${budget}`, legend: 'budget left' }],
        },
        [
          { value: null, color: 'red' },
          { value: 0, color: 'orange' },
          { value: 0.5, color: 'green' },
        ],
      ),
    )
    .withPanel(
      ts({
        title: `${slo.title}: burn rate`,
        description: `Error ratio divided by the budget (${budget}): 1 spends the budget exactly over ${slo.window}. Pages at 14.4× over 1 h (and 5 m) or 6× over 6 h (and 30 m); tickets at 3× over 1 d or 1× over 3 d.`,
        unit: 'x',
        width: 12,
        queries: [
          { expr: `(${errorRatioExpr(slo, RATE, 'subquery')}) / ${budget}`, legend: 'burn (rate interval)' },
          { expr: `(${errorRatioExpr(slo, '1h', 'subquery')}) / ${budget}`, legend: 'burn (1h)' },
        ],
      }),
    );
}

export function slos(): dashboard.Dashboard {
  const b = base('fleetlab-slos', 'fleetlab / SLOs and error budgets', 'Every SLO of dashboards/src/slos.ts: its SLI, the error budget left and the burn rate the alerts watch. See docs/slos.md.');
  for (const slo of SLOS) sloRow(b, slo);
  return b.build();
}
