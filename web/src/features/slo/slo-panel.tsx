// Always on screen: each SLO's SLI, burn rate and error budget, and the alerts firing now, from the lab's Prometheus;
// in the cluster lab each SLO links to its Grafana dashboard.
import { useSession } from '../../app/session-context';
import { useObservable } from '../../lib/observable';
import { formatTime } from '../../lib/format';
import { percent } from '../../lib/slo-spec';
import type { PrometheusAlert } from '../../lib/prometheus-client';
import { BUDGET_WINDOW, SHORT_WINDOW, budgetFill, budgetText, formatRatio, type SloView } from './slo-math';

const STATUS_TEXT: Record<SloView['status'], string> = {
  'no-data': 'no traffic',
  ok: 'ok',
  burning: 'burning',
  'fast-burn': 'fast burn',
  exhausted: 'budget spent',
  alerting: 'alerting',
};

export function SloPanel() {
  const session = useSession();
  const state = useObservable(session.slos.state);
  const grafanaUrl = session.config.grafanaUrl;
  return (
    <section className="panel" aria-labelledby="slo-heading" data-testid="slo-panel" data-status={state.status}>
      <h2 id="slo-heading">SLOs</h2>
      {state.status === 'off' ? (
        <p className="muted">No Prometheus configured (prometheusUrl in config.json): SLOs and alerts are not shown.</p>
      ) : null}
      {state.status === 'loading' ? <p className="muted">Reading Prometheus…</p> : null}
      {state.status === 'error' ? (
        <p className="inline-warning" role="alert" data-testid="slo-error">
          {state.error}
        </p>
      ) : null}
      <ul className="slo-list">
        {state.views.map((view) => (
          <li key={view.slo.id} className={`slo slo--${view.status}`} data-testid="slo" data-slo={view.slo.id} data-status={view.status}>
            <div className="slo__head">
              <span className="slo__title" title={view.slo.description}>
                {view.slo.title}
              </span>
              <span className={`slo__status slo__status--${view.status}`}>{STATUS_TEXT[view.status]}</span>
            </div>
            <div className="slo__numbers">
              <span title={`good share over the last ${SHORT_WINDOW}; objective ${percent(view.slo.objective)}`}>
                SLI <strong data-testid="slo-sli">{formatRatio(view.sli)}</strong> / {percent(view.slo.objective)}
              </span>
              <span title="error ratio over the last minute ÷ error budget: above 1 the budget goes faster than it may">
                burn <strong data-testid="slo-burn">{view.burnRate === null ? '–' : `${view.burnRate.toFixed(1)}×`}</strong>
              </span>
            </div>
            <div
              className="budget"
              role="meter"
              aria-label={`${view.slo.title} error budget left over the last ${BUDGET_WINDOW}`}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(budgetFill(view.budgetRemaining) * 100)}
              data-testid="slo-budget"
              data-remaining={view.budgetRemaining ?? ''}
              title={`error budget left over the last ${BUDGET_WINDOW} (the SLO's window is ${view.slo.window})`}
            >
              <span className="budget__fill" style={{ width: `${budgetFill(view.budgetRemaining) * 100}%` }} />
              <span className="budget__label">{budgetText(view.budgetRemaining)} (last {BUDGET_WINDOW})</span>
            </div>
            {grafanaUrl ? (
              <a className="slo__link" href={`${grafanaUrl}/d/${view.slo.dashboardUid}`} target="_blank" rel="noreferrer" data-testid="slo-dashboard">
                dashboard
              </a>
            ) : null}
          </li>
        ))}
      </ul>
      <AlertList alerts={state.alerts} />
      {state.updatedAt ? <p className="muted">Prometheus read at {formatTime(new Date(state.updatedAt).toISOString())}</p> : null}
    </section>
  );
}

function AlertList({ alerts }: { alerts: readonly PrometheusAlert[] }) {
  const shown = [...alerts].sort((a, b) => (a.state === b.state ? 0 : a.state === 'firing' ? -1 : 1));
  return (
    <div className="alerts" data-testid="alerts" data-firing={alerts.filter((a) => a.state === 'firing').length}>
      <h3>Alerts</h3>
      {shown.length === 0 ? <p className="muted">None firing.</p> : null}
      <ul>
        {shown.map((alert) => (
          <li
            key={`${alert.labels.alertname}|${JSON.stringify(alert.labels)}`}
            className={`alert alert--${alert.state}`}
            data-testid="alert"
            data-alertname={alert.labels.alertname}
            data-state={alert.state}
          >
            <strong>{alert.labels.alertname}</strong>
            <span className="alert__state">
              {alert.state}
              {alert.labels.severity ? ` · ${alert.labels.severity}` : ''}
              {alert.activeAt ? ` · since ${formatTime(alert.activeAt)}` : ''}
            </span>
            {alert.annotations.summary ? <span className="alert__summary">{alert.annotations.summary}</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
