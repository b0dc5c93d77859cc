import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { RATE, ts, base, quantiles, orZero } from './panels';

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
