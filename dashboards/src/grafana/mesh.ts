import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { RATE, ts, base, labelVariable } from './panels';

export function mesh(): dashboard.Dashboard {
  const dest = 'reporter="destination", destination_workload_namespace="fleetlab", destination_workload=~"$workload"';
  return base('fleetlab-mesh', 'fleetlab / Mesh (Istio)', 'Istio\'s standard request metrics per workload, as the sidecars report them (Kubernetes lab with the istio component).')
    .withVariable(labelVariable('workload', 'Workload', 'label_values(istio_requests_total{destination_workload_namespace="fleetlab"}, destination_workload)').allValue('.*'))
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
