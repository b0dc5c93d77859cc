import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { RATE, ts, statPanel, base, quantiles } from './panels';
import { SLOS, errorRatioExpr, percent } from '../slos';

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
