// What every dashboard is built from: the datasource, Prometheus targets, time series and stat panels, label
// variables, a dashboard's frame, quantile queries.
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

/** What a time series and a stat panel share, set in the same order on either builder. */
type PanelBuilder = timeseries.PanelBuilder | stat.PanelBuilder;

function panel<B extends PanelBuilder>(b: B, p: PanelSpec, size: { width: number; height: number }, style: (b: B) => void): B {
  b.title(p.title).description(p.description).datasource(DS).unit(p.unit).span(p.width ?? size.width).height(p.height ?? size.height);
  style(b);
  b.targets(p.queries.map(target));
  return b;
}

function range<B extends PanelBuilder>(b: B, p: PanelSpec): B {
  if (p.min !== undefined) b.min(p.min);
  if (p.max !== undefined) b.max(p.max);
  return b;
}

export function ts(p: PanelSpec): timeseries.PanelBuilder {
  const b = panel(new timeseries.PanelBuilder(), p, { width: 12, height: 8 }, (b) =>
    b
      .fillOpacity(10)
      .lineWidth(1)
      .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).showLegend(true)),
  );
  return range(b, p);
}

export function statPanel(p: PanelSpec, thresholds?: dashboard.Threshold[]): stat.PanelBuilder {
  const b = panel(new stat.PanelBuilder(), p, { width: 6, height: 4 }, (b) =>
    b.graphMode(common.BigValueGraphMode.Area).reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull'])),
  );
  if (thresholds) b.thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(thresholds));
  return range(b, p);
}

export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus');
}

/** A variable of the values a label takes (`label_values(...)`), several or all at once, refreshed with the time range. */
export function labelVariable(name: string, label: string, query: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(DS)
    .query(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true);
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
