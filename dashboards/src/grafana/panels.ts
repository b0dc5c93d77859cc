// What every dashboard is built from: the datasource, Prometheus targets, time series and stat panels, a dashboard's
// frame, quantile queries.
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

export const DS: dashboard.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };
/** The Jaeger datasource of the Kubernetes lab (platform/components/observability/grafana/datasources.yaml). */
export const JAEGER_UID = 'jaeger';
export const RATE = '$__rate_interval';

export interface Query {
  expr: string;
  legend: string;
  /** Latency histograms carry trace ids as exemplars; Grafana links them to Jaeger through the datasource's
   * exemplarTraceIdDestinations (trace_id → uid jaeger). */
  exemplar?: boolean;
}

export function target(q: Query, index: number): prometheus.DataqueryBuilder {
  const b = new prometheus.DataqueryBuilder().expr(q.expr).legendFormat(q.legend).refId(String.fromCharCode(65 + index)).datasource(DS);
  return q.exemplar ? b.exemplar(true) : b;
}

export interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  width?: number;
  height?: number;
  min?: number;
  max?: number;
}

export function ts(p: PanelSpec): timeseries.PanelBuilder {
  const b = new timeseries.PanelBuilder()
    .title(p.title)
    .description(p.description)
    .datasource(DS)
    .unit(p.unit)
    .span(p.width ?? 12)
    .height(p.height ?? 8)
    .fillOpacity(10)
    .lineWidth(1)
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).showLegend(true))
    .targets(p.queries.map(target));
  if (p.min !== undefined) b.min(p.min);
  if (p.max !== undefined) b.max(p.max);
  return b;
}

export function statPanel(p: PanelSpec, thresholds?: dashboard.Threshold[]): stat.PanelBuilder {
  const b = new stat.PanelBuilder()
    .title(p.title)
    .description(p.description)
    .datasource(DS)
    .unit(p.unit)
    .span(p.width ?? 6)
    .height(p.height ?? 4)
    .graphMode(common.BigValueGraphMode.Area)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .targets(p.queries.map(target));
  if (thresholds) b.thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(thresholds));
  if (p.min !== undefined) b.min(p.min);
  if (p.max !== undefined) b.max(p.max);
  return b;
}

export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus');
}

export function base(uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['fleetlab'])
    .editable()
    .refresh('10s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable())
    .link(new dashboard.DashboardLinkBuilder('fleetlab').type(dashboard.DashboardLinkType.Dashboards).tags(['fleetlab']).asDropdown(true).keepTime(true).includeVars(false))
    .link(
      new dashboard.DashboardLinkBuilder('Traces in Jaeger')
        .type(dashboard.DashboardLinkType.Link)
        .url(`/explore?left=${encodeURIComponent(JSON.stringify({ datasource: JAEGER_UID }))}`)
        .targetBlank(true)
        .tooltip('Jaeger; exemplar dots on latency panels open their trace directly'),
    );
}

export function quantiles(metric: string, selector: string, by: string[] = []): Query[] {
  const group = ['le', ...by].join(', ');
  const suffix = by.length ? ` {{${by.join('}} {{')}}}` : '';
  return [0.5, 0.95, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${group}) (rate(${metric}_bucket${selector}[${RATE}])))`,
    legend: `p${q * 100}${suffix}`,
    exemplar: true,
  }));
}

/** A counter that prom-client only exposes once incremented (dead letters, failed batches): `or vector(0)` draws
 * the healthy zero instead of an empty panel. */
export function orZero(expr: string): string {
  return `(${expr}) or vector(0)`;
}

// ---------------------------------------------------------------------------------------------------------------------
