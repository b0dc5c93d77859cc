// The SLO definitions of dashboards/src/slos.ts, the one spec the rules, alerts and Grafana dashboards come from:
// imported, never copied, so the cockpit and Prometheus always agree on objectives, windows and alert names.
export { SLOS, alertNames, errorBudget, errorRatioExpr, percent, type Slo } from '../../../dashboards/src/slos';
