import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { RATE, ts, base, quantiles, orZero, labelVariable } from './panels';
import { SLOS, errorRatioExpr } from '../slos';

export function red(): dashboard.Dashboard {
  const worker = new dashboard.RowBuilder('Service $service').repeat('service');
  const sel = '{service="$service"}';
  return base('fleetlab-red', 'fleetlab / Services (RED)', 'Rate, errors and duration of each service: HTTP for the api, Kafka messages for every service, and the Node runtime.')
    .withVariable(labelVariable('service', 'Service', 'label_values(fleetlab_kafka_messages_consumed_total, service)'))
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
