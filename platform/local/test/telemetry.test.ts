// Telemetry is the product: one trip is one trace across api, simulator and consumer; every service is scraped;
// exemplars lead to traces; logs carry trace ids. Checked against the real Jaeger and Prometheus of the lab.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, connectSocket, lab, waitFor, waitForTripStatus } from './helpers';

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  references: Array<{ refType: string; traceID: string; spanID: string }>;
  tags: Array<{ key: string; value: unknown }>;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

async function jaeger<T>(path: string): Promise<T> {
  const response = await fetch(`${lab().jaegerUrl}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return ((await response.json()) as { data: T }).data;
}

async function prometheus<T>(path: string): Promise<T> {
  const response = await fetch(`${lab().prometheusUrl}${path}`);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
  return body.data;
}

const tag = (span: JaegerSpan, key: string): unknown => span.tags.find((t) => t.key === key)?.value;

/**
 * The trace of a trip once it is whole: at least `minSpans` spans and every parent present. Services export spans in
 * batches every few seconds, so a trace fills in over time.
 */
async function tripTrace(tripId: string, minSpans: number): Promise<JaegerTrace> {
  const query = encodeURIComponent(JSON.stringify({ 'fleetlab.trip.id': tripId }));
  return waitFor(`the whole trace of trip ${tripId} (${minSpans}+ spans)`, async () => {
    const traces = await jaeger<JaegerTrace[]>(`/api/traces?service=simulator&tags=${query}&limit=5&lookback=1h`);
    const candidate = traces[0] && (await jaeger<JaegerTrace[]>(`/api/traces/${traces[0].traceID}`))[0];
    if (!candidate || candidate.spans.length < minSpans) return undefined;
    const ids = new Set(candidate.spans.map((s) => s.spanID));
    const orphans = candidate.spans.filter((s) => s.references.some((r) => r.refType === 'CHILD_OF' && !ids.has(r.spanID)));
    return orphans.length === 0 ? candidate : undefined;
  }, 60_000, 1_000);
}

describe('the trace of one trip', () => {
  it('runs from the HTTP request through Kafka, the simulator, socket delivery and persistence', async () => {
    const started = await api<{ tripId: string }>('/trips', { body: { routeId: '2', paceMs: 20 } });
    const { tripId } = started.body;
    await waitForTripStatus(tripId, 'finished');
    // 40 positions, each sent by the simulator and processed by the consumer and the api: 120 spans beyond the start.
    const trace = await tripTrace(tripId, 125);
    const service = (span: JaegerSpan): string => trace.processes[span.processID]!.serviceName;
    const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
    const parent = (span: JaegerSpan): JaegerSpan | undefined => {
      const ref = span.references.find((r) => r.refType === 'CHILD_OF');
      return ref ? byId.get(ref.spanID) : undefined;
    };
    const named = (name: string, svc: string): JaegerSpan[] => trace.spans.filter((s) => s.operationName === name && service(s) === svc);

    expect(new Set(trace.spans.map(service))).toEqual(new Set(['api', 'simulator', 'consumer']));

    // api: the request, and the command it produced.
    const [sendDirection] = named('send route.new-direction', 'api');
    expect(sendDirection).toBeDefined();
    expect(tag(sendDirection!, 'messaging.system')).toBe('kafka');
    expect(tag(sendDirection!, 'messaging.destination.name')).toBe('route.new-direction');
    expect(tag(sendDirection!, 'messaging.kafka.message.key')).toBe(tripId);
    const root = trace.spans.find((s) => !parent(s));
    expect(service(root!)).toBe('api');
    expect(root!.operationName).toMatch(/POST/);

    // simulator: consumes the command as a child of the send; plays the trip under it.
    const [processDirection] = named('process route.new-direction', 'simulator');
    expect(parent(processDirection!)?.spanID).toBe(sendDirection!.spanID);
    const [play] = named('trip.play', 'simulator');
    expect(parent(play!)?.spanID).toBe(processDirection!.spanID);
    expect(tag(play!, 'fleetlab.trip.outcome')).toBe('finished');

    // One producer span per position, all children of the trip.
    const sends = named('send route.new-position', 'simulator');
    expect(sends).toHaveLength(40);
    expect(sends.every((s) => parent(s)?.spanID === play!.spanID)).toBe(true);
    expect(sends.map((s) => tag(s, 'fleetlab.position.seq')).sort((a, b) => Number(a) - Number(b))).toEqual([...Array(40).keys()]);

    // Each position is processed by the consumer as a child of its send, and the trip's write is in the trace.
    const processed = named('process route.new-position', 'consumer');
    expect(processed).toHaveLength(40);
    expect(processed.every((s) => parent(s)?.operationName === 'send route.new-position')).toBe(true);
    expect(tag(processed[0]!, 'messaging.consumer.group.name')).toBe('consumer');
    const writes = named('persist trip_positions', 'consumer');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => parent(w)?.operationName === 'process route.new-position')).toBe(true);
    expect(writes.reduce((sum, w) => sum + Number(tag(w, 'fleetlab.positions.count')), 0)).toBe(40);
    expect(tag(writes[0]!, 'db.system.name')).toBe('mongodb');

    // The api's gateway processes each position too (socket delivery).
    expect(named('process route.new-position', 'api')).toHaveLength(40);

    // The batch write itself, with the real MongoDB driver spans, is linked from the trip's messages.
    const batchTraces = await jaeger<JaegerTrace[]>(`/api/traces?service=consumer&operation=positions.persist&limit=200&lookback=1h`);
    const processedIds = new Set(processed.map((s) => s.spanID));
    const linked = batchTraces.flatMap((t) => t.spans).filter((s) => s.operationName === 'positions.persist' &&
      s.references.some((r) => r.traceID === trace.traceID && processedIds.has(r.spanID)));
    expect(linked.length).toBeGreaterThan(0);
  });
});

describe('the traces of a fleet', () => {
  it('give the first trips a trace each, linked to the request, and record nothing of the others', async () => {
    const fleet = await api<{ fleetId: string }>('/fleets', { body: { vehicles: 30, routeIds: ['2'], paceMs: 10 } });
    await waitFor('the fleet finished', async () => {
      const { body } = await api<{ trips: { finished: number } }>(`/fleets/${fleet.body.fleetId}`);
      return body.trips.finished === 30 ? true : undefined;
    }, 90_000, 500);
    const query = encodeURIComponent(JSON.stringify({ 'fleetlab.fleet.id': fleet.body.fleetId }));
    const roots = await waitFor('the traced trips of the fleet', async () => {
      const traces = await jaeger<JaegerTrace[]>(`/api/traces?service=api&operation=fleet.trip&tags=${query}&limit=100&lookback=1h`);
      return traces.length >= 10 ? traces : undefined;
    }, 60_000, 1_000);
    // FLEET_TRACED_TRIPS (10 by default) trips are traced, each its own trace; the other 20 are not.
    expect(roots).toHaveLength(10);
    const request = await jaeger<JaegerTrace[]>(`/api/traces?service=api&tags=${query}&limit=100&lookback=1h`);
    const post = request.flatMap((t) => t.spans).find((s) => s.references.length === 0 && /POST/.test(s.operationName));
    expect(post).toBeDefined();
    for (const t of roots) {
      const root = t.spans.find((s) => s.operationName === 'fleet.trip')!;
      // Linked from the request's trace (from the span active in the handler), not a child of it.
      expect(root.references.some((r) => r.refType === 'FOLLOWS_FROM' && r.traceID === post!.traceID)).toBe(true);
      expect(t.traceID).not.toBe(post!.traceID);
    }
    const played = await waitFor('the traced trips played', async () => {
      const traces = await jaeger<JaegerTrace[]>(`/api/traces?service=simulator&operation=trip.play&tags=${query}&limit=100&lookback=1h`);
      return traces.length >= 10 ? traces : undefined;
    }, 30_000, 1_000);
    expect(played).toHaveLength(10);
  });
});

describe('metrics', () => {
  it('Prometheus scrapes every service, and a fleet moves the key series', async () => {
    const up = await waitFor('every target up', async () => {
      const data = await prometheus<{ result: Array<{ metric: { job: string }; value: [number, string] }> }>(
        `/api/v1/query?query=${encodeURIComponent('up')}`,
      );
      const jobs = Object.fromEntries(data.result.map((r) => [r.metric.job, r.value[1]]));
      return jobs.api === '1' && jobs.simulator === '1' && jobs.consumer === '1' ? jobs : undefined;
    }, 60_000, 1_000);
    expect(up).toMatchObject({ api: '1', simulator: '1', consumer: '1' });

    // Freshness is measured at delivery to a browser, so a browser watches the fleet.
    const socket = await connectSocket();
    await new Promise<void>((resolve) => socket.emit('subscribe-fleet', {}, () => resolve()));
    const fleet = await api<{ fleetId: string }>('/fleets', { body: { vehicles: 50, generate: { seed: 3003, points: 20 }, paceMs: 20 } });
    await waitFor('the fleet finished', async () => {
      const { body } = await api<{ trips: { finished: number } }>(`/fleets/${fleet.body.fleetId}`);
      return body.trips.finished === 50 ? true : undefined;
    }, 90_000, 500);
    socket.close();

    const series = [
      'sum(fleetlab_simulator_positions_published_total)',
      'sum(fleetlab_consumer_positions_stored_total)',
      'sum(fleetlab_position_freshness_seconds_count)',
      'sum(fleetlab_persistence_lag_seconds_count)',
      'sum(fleetlab_kafka_messages_produced_total)',
      'sum(fleetlab_kafka_messages_consumed_total)',
      'sum(fleetlab_http_requests_total)',
      'sum(fleetlab_simulator_trips_finished_total)',
    ];
    for (const expr of series) {
      const value = await waitFor(`${expr} > 0 in Prometheus`, async () => {
        const data = await prometheus<{ result: Array<{ value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
        const v = Number(data.result[0]?.value[1] ?? 0);
        return v > 0 ? v : undefined;
      }, 30_000, 1_000);
      expect(value, expr).toBeGreaterThan(0);
    }
  });

  it('a freshness exemplar leads to a trace that exists in Jaeger', async () => {
    const now = Date.now() / 1000;
    const exemplars = await waitFor('freshness exemplars', async () => {
      const data = await prometheus<Array<{ exemplars: Array<{ labels: Record<string, string> }> }>>(
        `/api/v1/query_exemplars?query=${encodeURIComponent('fleetlab_position_freshness_seconds_bucket')}&start=${now - 3600}&end=${now + 60}`,
      );
      const ids = data.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id)).filter((id): id is string => Boolean(id));
      return ids.length > 0 ? ids : undefined;
    }, 30_000, 1_000);
    const found = await waitFor('an exemplar trace in Jaeger', async () => {
      for (const id of exemplars.slice(-20)) {
        const response = await fetch(`${lab().jaegerUrl}/api/traces/${id}`);
        if (response.ok) return id;
      }
      return undefined;
    }, 30_000, 1_000);
    expect(found).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('logs', () => {
  it("a line written during a trip carries that trip's trace id", async () => {
    const started = await api<{ tripId: string }>('/trips', { body: { routeId: '2', paceMs: 20 } });
    await waitForTripStatus(started.body.tripId, 'finished');
    const trace = await tripTrace(started.body.tripId, 10);
    const lines = readFileSync(join(lab().logDir, 'api.log'), 'utf8').split('\n').filter((l) => l.startsWith('{'));
    const ofTrip = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.trace_id === trace.traceID);
    expect(ofTrip.length).toBeGreaterThan(0);
    expect(ofTrip[0]).toMatchObject({ service: 'api', span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });
});

describe('the service × signal matrix', () => {
  it('every service emits traces, metrics and logs', async () => {
    const services = ['api', 'simulator', 'consumer'] as const;
    const traced = new Set(await jaeger<string[]>('/api/services'));
    const matrix: Record<string, { traces: boolean; metrics: boolean; logs: boolean }> = {};
    for (const name of services) {
      const data = await prometheus<{ result: unknown[] }>(
        `/api/v1/query?query=${encodeURIComponent(`count({job="${name}", __name__=~"fleetlab_.+"})`)}`,
      );
      const lines = readFileSync(join(lab().logDir, `${name}.log`), 'utf8').split('\n').filter((l) => l.startsWith('{'));
      const logs = lines.some((l) => {
        const line = JSON.parse(l) as Record<string, unknown>;
        return line.service === name && typeof line.trace_id === 'string';
      });
      matrix[name] = { traces: traced.has(name), metrics: data.result.length > 0, logs };
    }
    expect(matrix).toEqual(Object.fromEntries(services.map((s) => [s, { traces: true, metrics: true, logs: true }])));
  });
});
