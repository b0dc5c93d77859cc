// Grafana dashboards as code (grafana-foundation-sdk builders): fleet overview, RED per service, Kafka pipeline, SLOs
// and error budgets (from the SLO spec), the Istio mesh and the k6 runs of the Kubernetes lab.
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { SLOS, errorBudget, errorRatioExpr, percent, type Slo } from './slos';

const DS: dashboard.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };
/** The Jaeger datasource of the Kubernetes lab (platform/components/observability/grafana/datasources.yaml). */
const JAEGER_UID = 'jaeger';
const RATE = '$__rate_interval';

interface Query {
  expr: string;
  legend: string;
  /** Latency histograms carry trace ids as exemplars; Grafana links them to Jaeger through the datasource's
   * exemplarTraceIdDestinations (trace_id → uid jaeger). */
  exemplar?: boolean;
}

function target(q: Query, index: number): prometheus.DataqueryBuilder {
  const b = new prometheus.DataqueryBuilder().expr(q.expr).legendFormat(q.legend).refId(String.fromCharCode(65 + index)).datasource(DS);
  return q.exemplar ? b.exemplar(true) : b;
}

interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  width?: number;
  height?: number;
  min?: number;
  max?: number;
}

function ts(p: PanelSpec): timeseries.PanelBuilder {
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

function statPanel(p: PanelSpec, thresholds?: dashboard.Threshold[]): stat.PanelBuilder {
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

function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus');
}

function base(uid: string, title: string, description: string): dashboard.DashboardBuilder {
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

function quantiles(metric: string, selector: string, by: string[] = []): Query[] {
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
function orZero(expr: string): string {
  return `(${expr}) or vector(0)`;
}

// ---------------------------------------------------------------------------------------------------------------------

export function overview(): dashboard.Dashboard {
  const freshness = SLOS.find((s) => s.id === 'position-freshness')!;
  return base('fleetlab-overview', 'fleetlab / Fleet overview', 'The fleet at a glance: trips, positions per second and how fresh they reach the browser.')
    .withRow(new dashboard.RowBuilder('Fleet'))
    .withPanel(statPanel({ title: 'Active trips', description: 'Trips the simulator is playing now (fleetlab_simulator_active_trips).', unit: 'short', queries: [{ expr: 'sum(fleetlab_simulator_active_trips{service="simulator"})', legend: 'trips' }] }))
    .withPanel(statPanel({ title: 'Active fleets', description: 'Fleets with unfinished trips (fleetlab_fleets_active).', unit: 'short', queries: [{ expr: 'sum(fleetlab_fleets_active{service="api"})', legend: 'fleets' }] }))
    .withPanel(statPanel({ title: 'Browser connections', description: 'socket.io connections open on the api (fleetlab_socket_connections).', unit: 'short', queries: [{ expr: 'sum(fleetlab_socket_connections{service="api"})', legend: 'connections' }] }))
    .withPanel(
      statPanel(
        { title: 'Fresh positions (1 s)', description: `Share of positions emitted to a browser within 1 s of their event time over the dashboard range; SLO ${percent(freshness.objective)}.`, unit: 'percentunit', min: 0, max: 1, queries: [{ expr: `1 - (${errorRatioExpr(freshness, '$__range', 'subquery')})`, legend: 'fresh' }] },
        [
          { value: null, color: 'red' },
          { value: freshness.objective, color: 'green' },
        ],
      ),
    )
    .withPanel(
      ts({
        title: 'Positions per second',
        description: 'Each position through the pipeline: published by the simulator (acked by Kafka), emitted to browsers by the api, stored by the consumer. Published and stored should overlap; emitted depends on who is watching.',
        unit: 'suffix: positions/s',
        queries: [
          { expr: `sum(rate(fleetlab_simulator_positions_published_total{service="simulator"}[${RATE}]))`, legend: 'published' },
          { expr: `sum(rate(fleetlab_socket_positions_emitted_total{service="api"}[${RATE}]))`, legend: 'emitted to browsers' },
          { expr: `sum(rate(fleetlab_consumer_positions_stored_total{service="consumer"}[${RATE}]))`, legend: 'stored' },
        ],
      }),
    )
    .withPanel(
      ts({
        title: 'Position freshness',
        description: 'Event time (ts) to emission to a browser, quantiles from the histogram. Exemplar dots link to the trace of that position in Jaeger.',
        unit: 's',
        queries: quantiles('fleetlab_position_freshness_seconds', '{service="api"}'),
      }),
    )
    .withPanel(
      ts({
        title: 'Trips started and finished',
        description: 'Trips requested at the api by source (http, socket, fleet) and trips whose last point the simulator sent, per second.',
        unit: 'suffix: trips/s',
        queries: [
          { expr: `sum by (source) (rate(fleetlab_trips_started_total{service="api"}[${RATE}]))`, legend: 'started ({{source}})' },
          { expr: `sum(rate(fleetlab_simulator_trips_finished_total{service="simulator"}[${RATE}]))`, legend: 'finished' },
        ],
      }),
    )
    .withPanel(
      ts({
        title: 'Freshness by kind',
        description: 'p99 freshness by subscription kind: client (the browser that started the trip), trip, fleet.',
        unit: 's',
        queries: [{ expr: `histogram_quantile(0.99, sum by (le, kind) (rate(fleetlab_position_freshness_seconds_bucket{service="api"}[${RATE}])))`, legend: 'p99 {{kind}}', exemplar: true }],
      }),
    )
    .build();
}

export function red(): dashboard.Dashboard {
  const worker = new dashboard.RowBuilder('Service $service').repeat('service');
  const sel = '{service="$service"}';
  return base('fleetlab-red', 'fleetlab / Services (RED)', 'Rate, errors and duration of each service: HTTP for the api, Kafka messages for every service, and the Node runtime.')
    .withVariable(
      new dashboard.QueryVariableBuilder('service')
        .label('Service')
        .datasource(DS)
        .query('label_values(fleetlab_kafka_messages_consumed_total, service)')
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true),
    )
    .withRow(new dashboard.RowBuilder('HTTP (api)'))
    .withPanel(ts({ title: 'Requests per second', description: 'API requests answered, by route template and status code (fleetlab_http_requests_total).', unit: 'reqps', queries: [{ expr: `sum by (route, status_code) (rate(fleetlab_http_requests_total{service="api"}[${RATE}]))`, legend: '{{route}} {{status_code}}' }] }))
    .withPanel(
      ts({
        title: 'Errors (5xx share)',
        description: 'Share of API requests answered with a 5xx: the availability SLI (SLO 99.5%). Zero when there are none.',
        unit: 'percentunit',
        min: 0,
        queries: [{ expr: errorRatioExpr(SLOS.find((s) => s.id === 'api-availability')!, RATE), legend: '5xx share' }],
      }),
    )
    .withPanel(ts({ title: 'Duration', description: 'API request duration quantiles; exemplar dots open the request trace in Jaeger. The latency SLO counts requests under 250 ms.', unit: 's', queries: quantiles('fleetlab_http_request_duration_seconds', '{service="api"}') }))
    .withPanel(
      ts({
        title: 'p99 duration by route',
        description: 'Slowest routes: p99 of the request duration per route template.',
        unit: 's',
        queries: [{ expr: `histogram_quantile(0.99, sum by (le, route) (rate(fleetlab_http_request_duration_seconds_bucket{service="api"}[${RATE}])))`, legend: '{{route}}', exemplar: true }],
      }),
    )
    .withRow(worker)
    .withPanel(
      ts({
        title: 'Messages per second ($service)',
        description: 'Rate: Kafka messages this service consumed and handled (by topic and group) and produced (by topic).',
        unit: 'suffix: msg/s',
        width: 8,
        queries: [
          { expr: `sum by (topic, group) (rate(fleetlab_kafka_messages_consumed_total${sel}[${RATE}]))`, legend: 'consumed {{topic}} ({{group}})' },
          { expr: `sum by (topic) (rate(fleetlab_kafka_messages_produced_total${sel}[${RATE}]))`, legend: 'produced {{topic}}' },
        ],
      }),
    )
    .withPanel(
      ts({
        title: 'Errors ($service)',
        description: 'Errors: batches whose handling threw (redelivered) and invalid messages sent to the DLQ, per second. Zero when there are none.',
        unit: 'suffix: /s',
        width: 8,
        queries: [
          { expr: orZero(`sum(rate(fleetlab_kafka_batches_failed_total${sel}[${RATE}]))`), legend: 'failed batches' },
          { expr: orZero(`sum(rate(fleetlab_kafka_messages_dead_lettered_total${sel}[${RATE}]))`), legend: 'dead-lettered' },
        ],
      }),
    )
    .withPanel(
      ts({
        title: 'Consumer lag ($service)',
        description: 'Duration, for a worker: messages behind the high watermark per topic and group, at the last batch.',
        unit: 'short',
        width: 8,
        queries: [{ expr: `max by (topic, group) (fleetlab_kafka_consumer_lag_messages${sel})`, legend: '{{topic}} ({{group}})' }],
      }),
    )
    .withPanel(ts({ title: 'CPU ($service)', description: 'CPU seconds per second of the Node process (process_cpu_seconds_total); 1 = one core.', unit: 'percentunit', width: 8, queries: [{ expr: `sum(rate(process_cpu_seconds_total${sel}[${RATE}]))`, legend: 'cpu' }] }))
    .withPanel(ts({ title: 'Memory ($service)', description: 'Resident set size of the Node process (process_resident_memory_bytes).', unit: 'bytes', width: 8, queries: [{ expr: `sum(process_resident_memory_bytes${sel})`, legend: 'rss' }] }))
    .withPanel(ts({ title: 'Event loop lag ($service)', description: 'p99 event loop delay (nodejs_eventloop_lag_p99_seconds): a busy loop delays every socket and Kafka callback.', unit: 's', width: 8, queries: [{ expr: `max(nodejs_eventloop_lag_p99_seconds${sel})`, legend: 'p99' }] }))
    .build();
}

export function kafka(): dashboard.Dashboard {
  return base('fleetlab-kafka', 'fleetlab / Kafka pipeline', 'Kafka throughput per topic, consumer lag, dead letters and failed batches, and the persistence lag it ends in.')
    .withRow(new dashboard.RowBuilder('Throughput'))
    .withPanel(ts({ title: 'Produced per topic', description: 'Messages acknowledged by Kafka, per topic and producing service.', unit: 'suffix: msg/s', queries: [{ expr: `sum by (topic, service) (rate(fleetlab_kafka_messages_produced_total[${RATE}]))`, legend: '{{topic}} by {{service}}' }] }))
    .withPanel(ts({ title: 'Consumed per topic and group', description: 'Messages read and handled (valid or not), per topic and consumer group.', unit: 'suffix: msg/s', queries: [{ expr: `sum by (topic, group) (rate(fleetlab_kafka_messages_consumed_total[${RATE}]))`, legend: '{{topic}} ({{group}})' }] }))
    .withRow(new dashboard.RowBuilder('Lag and failures'))
    .withPanel(ts({ title: 'Consumer lag', description: 'Messages behind the high watermark per topic and group (the worst partition), at the last batch. The consumer-lag SLO wants samples at or below 1000.', unit: 'short', queries: [{ expr: 'max by (topic, group) (fleetlab_kafka_consumer_lag_messages)', legend: '{{topic}} ({{group}})' }] }))
    .withPanel(
      ts({
        title: 'Dead letters and failed batches',
        description: 'Invalid messages sent to <topic>.dlq and batches whose handling threw (redelivered, so retries, not losses). Zero when there are none; see `message dead-lettered` log lines for the reason.',
        unit: 'suffix: /s',
        queries: [
          { expr: orZero(`sum by (topic, group) (rate(fleetlab_kafka_messages_dead_lettered_total[${RATE}]))`), legend: 'dead-lettered {{topic}} ({{group}})' },
          { expr: orZero(`sum by (topic, group) (rate(fleetlab_kafka_batches_failed_total[${RATE}]))`), legend: 'failed batches {{topic}} ({{group}})' },
        ],
      }),
    )
    .withRow(new dashboard.RowBuilder('Producer (simulator)'))
    .withPanel(ts({ title: 'Pending positions', description: 'Positions waiting for the simulator\'s shared producer: growth means Kafka is slower than the fleet.', unit: 'short', queries: [{ expr: 'sum(fleetlab_simulator_pending_positions_messages{service="simulator"})', legend: 'pending' }] }))
    .withPanel(
      ts({
        title: 'Send batch size and scheduler drift',
        description: 'Median positions per producer send (left) and p99 lateness of a position against its due time (right axis, seconds).',
        unit: 'short',
        queries: [
          { expr: `histogram_quantile(0.5, sum by (le) (rate(fleetlab_simulator_send_batch_size_messages_bucket{service="simulator"}[${RATE}])))`, legend: 'batch p50 (messages)' },
          { expr: `histogram_quantile(0.99, sum by (le) (rate(fleetlab_simulator_scheduler_drift_seconds_bucket{service="simulator"}[${RATE}])))`, legend: 'drift p99 (s)' },
        ],
      }).overrideByName('drift p99 (s)', [
        { id: 'unit', value: 's' },
        { id: 'custom.axisPlacement', value: 'right' },
      ]),
    )
    .withRow(new dashboard.RowBuilder('Consumer (MongoDB)'))
    .withPanel(ts({ title: 'Persistence lag', description: 'Event time to stored in MongoDB, quantiles; exemplar dots open the trace of a stored position. The SLO wants 99% within 2.5 s.', unit: 's', queries: quantiles('fleetlab_persistence_lag_seconds', '{service="consumer"}') }))
    .withPanel(ts({ title: 'Bulk write duration', description: 'p99 of one MongoDB bulk write per collection (fleetlab_consumer_write_duration_seconds).', unit: 's', queries: [{ expr: `histogram_quantile(0.99, sum by (le, collection) (rate(fleetlab_consumer_write_duration_seconds_bucket{service="consumer"}[${RATE}])))`, legend: '{{collection}}' }] }))
    .withPanel(
      ts({
        title: 'Stored and duplicate positions',
        description: 'Positions inserted, and redelivered positions ignored (at-least-once delivery made idempotent).',
        unit: 'suffix: positions/s',
        queries: [
          { expr: `sum(rate(fleetlab_consumer_positions_stored_total{service="consumer"}[${RATE}]))`, legend: 'stored' },
          { expr: orZero(`sum(rate(fleetlab_consumer_positions_duplicate_total{service="consumer"}[${RATE}]))`), legend: 'duplicates' },
        ],
      }),
    )
    .build();
}

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

export function mesh(): dashboard.Dashboard {
  const dest = 'reporter="destination", destination_workload_namespace="fleetlab", destination_workload=~"$workload"';
  return base('fleetlab-mesh', 'fleetlab / Mesh (Istio)', 'Istio\'s standard request metrics per workload, as the sidecars report them (Kubernetes lab with the istio component).')
    .withVariable(
      new dashboard.QueryVariableBuilder('workload')
        .label('Workload')
        .datasource(DS)
        .query('label_values(istio_requests_total{destination_workload_namespace="fleetlab"}, destination_workload)')
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue('.*'),
    )
    .withRow(new dashboard.RowBuilder('Inbound requests'))
    .withPanel(ts({ title: 'Requests per second', description: 'Requests received by each workload, by response code, as its sidecar reports them (reporter=destination).', unit: 'reqps', queries: [{ expr: `sum by (destination_workload, response_code) (rate(istio_requests_total{${dest}}[${RATE}]))`, legend: '{{destination_workload}} {{response_code}}' }] }))
    .withPanel(
      ts({
        title: '5xx share',
        description: 'Share of requests each workload answered with a 5xx, retries by the mesh included.',
        unit: 'percentunit',
        min: 0,
        queries: [{ expr: `sum by (destination_workload) (rate(istio_requests_total{${dest}, response_code=~"5.."}[${RATE}])) / sum by (destination_workload) (rate(istio_requests_total{${dest}}[${RATE}]))`, legend: '{{destination_workload}}' }],
      }),
    )
    .withPanel(
      ts({
        title: 'Request duration p99',
        description: 'p99 duration seen by the destination sidecar (istio_request_duration_milliseconds): the service\'s own time plus the sidecar\'s.',
        unit: 'ms',
        queries: [{ expr: `histogram_quantile(0.99, sum by (le, destination_workload) (rate(istio_request_duration_milliseconds_bucket{${dest}}[${RATE}])))`, legend: '{{destination_workload}}', exemplar: true }],
      }),
    )
    .withPanel(
      ts({
        title: 'Callers',
        description: 'Who calls each workload (source_workload), and whether the connection was mutual TLS.',
        unit: 'reqps',
        queries: [{ expr: `sum by (source_workload, destination_workload, connection_security_policy) (rate(istio_requests_total{${dest}}[${RATE}]))`, legend: '{{source_workload}} → {{destination_workload}} ({{connection_security_policy}})' }],
      }),
    )
    .build();
}

/**
 * The k6 runs of the Kubernetes lab's Tilt buttons, from what k6's experimental-prometheus-rw output writes: trends
 * as gauges of p50/p95/p99 over the run so far (K6_PROMETHEUS_RW_TREND_STATS), times converted to seconds, rates as
 * `_rate` gauges, counters as `_total`. A percentile gauge cannot be aggregated across series, hence max by.
 */
export function k6(): dashboard.Dashboard {
  /** The k6 threshold of a latency SLO, as written in slo-thresholds.json: "p(99) < 250 ms". */
  const threshold = (id: string): string => {
    const slo = SLOS.find((s) => s.id === id)!;
    return slo.sli.kind === 'latency' ? `p(${slo.objective * 100}) < ${slo.sli.thresholdSeconds * 1000} ms` : '';
  };
  return base('fleetlab-k6', 'fleetlab / k6', 'Load runs of the k6 buttons in the Tilt UI (loadtests/scenarios), as k6 measured them from its pod: virtual users, requests, latency, freshness and checks.')
    .withRow(new dashboard.RowBuilder('Load'))
    .withPanel(ts({ title: 'Virtual users', description: 'Virtual users running, per load profile (k6_vus).', unit: 'short', width: 8, queries: [{ expr: 'sum by (profile) (k6_vus)', legend: '{{profile}}' }] }))
    .withPanel(ts({ title: 'Requests per second', description: 'HTTP requests k6 sent, per scenario and request name (k6_http_reqs_total).', unit: 'reqps', width: 8, queries: [{ expr: `sum by (scenario, name) (rate(k6_http_reqs_total[${RATE}]))`, legend: '{{scenario}} {{name}}' }] }))
    .withPanel(
      ts({
        title: 'Checks passing',
        description: 'Share of k6 checks that passed since the run started, per check (k6_checks_rate): a status or an acknowledgement the scenario expected.',
        unit: 'percentunit',
        width: 8,
        min: 0,
        max: 1,
        queries: [{ expr: 'min by (check) (k6_checks_rate)', legend: '{{check}}' }],
      }),
    )
    .withRow(new dashboard.RowBuilder('SLOs as k6 sees them'))
    .withPanel(
      ts({
        title: 'HTTP request duration',
        description: `p99 and p95 of the request duration per request name since the run started, measured by k6 (k6_http_req_duration_*), network and gateway included; the k6 threshold is ${threshold('api-latency')}.`,
        unit: 's',
        queries: [
          { expr: 'max by (name) (k6_http_req_duration_p99)', legend: 'p99 {{name}}' },
          { expr: 'max by (name) (k6_http_req_duration_p95)', legend: 'p95 {{name}}' },
        ],
      }),
    )
    .withPanel(
      ts({
        title: 'Position freshness (scenario 03)',
        description: `p99, p95 and p50 of a position's age when k6's socket.io client received it (the custom Trend freshness_ms; k6 writes times in seconds, whatever the name says); the k6 threshold is ${threshold('position-freshness')}.`,
        unit: 's',
        queries: [
          { expr: 'max(k6_freshness_ms_p99)', legend: 'p99' },
          { expr: 'max(k6_freshness_ms_p95)', legend: 'p95' },
          { expr: 'max(k6_freshness_ms_p50)', legend: 'p50' },
        ],
      }),
    )
    .build();
}

export const DASHBOARDS: ReadonlyArray<{ file: string; build: () => dashboard.Dashboard }> = [
  { file: 'fleetlab-overview.json', build: overview },
  { file: 'fleetlab-red.json', build: red },
  { file: 'fleetlab-kafka.json', build: kafka },
  { file: 'fleetlab-slos.json', build: slos },
  { file: 'fleetlab-mesh.json', build: mesh },
  { file: 'fleetlab-k6.json', build: k6 },
];

/** Every PromQL expression of a dashboard (panel targets and query variables), for the tests. */
export function dashboardQueries(d: unknown): Array<{ panel: string; expr: string }> {
  const out: Array<{ panel: string; expr: string }> = [];
  const visit = (node: unknown, panel: string): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, panel);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const title = typeof o.title === 'string' ? o.title : panel;
    if (typeof o.expr === 'string') out.push({ panel: title, expr: o.expr });
    for (const [k, v] of Object.entries(o)) if (k !== 'expr') visit(v, title);
  };
  visit(d, '');
  return out;
}
