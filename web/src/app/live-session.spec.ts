import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveSession } from './live-session';
import { ApiClient } from '../lib/api-client';
import { resolveConfig } from '../config/env';
import { PrometheusClient } from '../lib/prometheus-client';
import { JaegerClient } from '../lib/jaeger-client';
import { FakeSocket, ManualFrames, fakeFetch, jsonResponse } from '../test/fakes';
import type { VehicleLayer, VehicleStyle } from '../features/map/vehicle-canvas-layer';
import type { Vehicle } from '../features/vehicles/vehicle-store';

class FakeLayer implements VehicleLayer {
  readonly drawn = new Map<string, { v: Vehicle; style: VehicleStyle }>();
  upsert(v: Vehicle, style: VehicleStyle): void {
    this.drawn.set(v.tripId, { v: { ...v }, style });
  }
  remove(ids: readonly string[]): void {
    for (const id of ids) this.drawn.delete(id);
  }
  get size(): number {
    return this.drawn.size;
  }
  latLngOf(id: string): [number, number] | undefined {
    const d = this.drawn.get(id);
    return d ? [d.v.lat, d.v.lng] : undefined;
  }
  destroy(): void {}
}

const ROUTE = { id: 'g-1', title: 'generated 1', startPosition: [-47.9, -15.8], endPosition: [-47.8, -15.7], points: [[-47.9, -15.8], [-47.85, -15.75], [-47.8, -15.7]] };
const fleetPosition = (tripId: string, seq: number, fleetId = 'f-demo') => ({
  routeId: 'g-1',
  clientId: '',
  tripId,
  vehicleId: `v-${tripId}`,
  fleetId,
  seq,
  total: 3,
  finished: false,
  ts: new Date().toISOString(),
  position: ROUTE.points[seq],
});

let session: LiveSession | undefined;
afterEach(() => {
  session?.dispose();
  session = undefined;
});

function setup(followRoad: boolean) {
  const socket = new FakeSocket();
  const frames = new ManualFrames();
  const api = fakeFetch({
    'GET /routes': () => jsonResponse(200, []),
    'GET /routes/g-1': () => jsonResponse(200, ROUTE),
    'GET /fleets/f-demo': () => jsonResponse(200, { fleetId: 'f-demo', vehicles: 2, paceMs: 1000, status: 'running', trips: { requested: 0, running: 2, finished: 0, cancelled: 0 }, createdAt: '2026-11-25T10:00:00.000Z' }),
    'GET /trips': () => jsonResponse(200, { items: [], total: 0 }),
    'POST /fleets': () => jsonResponse(201, { fleetId: 'f-demo', vehicles: 2, routeIds: ['g-1'] }),
  });
  const config = resolveConfig({ env: {}, origin: 'http://127.0.0.1:5173' });
  session = new LiveSession({ config, api: new ApiClient(config.apiUrl, api.fn), socketFactory: () => socket, schedule: frames.schedule, followRoad, prometheus: null, jaeger: null });
  const layer = new FakeLayer();
  session.attachLayer(layer);
  return { socket, frames, api, layer, session };
}

describe('the vehicles on the road', () => {
  it('follows every fleet from the first connect, draws its vehicles and loads their route lines', async () => {
    const { socket, frames, api, layer, session } = setup(true);
    socket.open();
    const sub = socket.last('subscribe-fleet');
    expect(sub?.payload).toEqual({});
    sub?.ack?.({ ok: true, room: 'fleet:*' });

    socket.fire('positions', [fleetPosition('t1', 0), fleetPosition('t2', 1)]);
    frames.run();
    expect(layer.size).toBe(2);
    const fleet = session.fleets.find('f-demo');
    expect(fleet?.origin).toBe('running');
    expect(layer.drawn.get('t1')?.style.color).toBe(fleet?.color);
    // The map looks at the first fleet found on the road.
    expect(session.focus.get()?.bounds).toEqual([[-15.8, -47.9], [-15.75, -47.85]]);

    await vi.waitFor(() => expect(session.fleets.find('f-demo')?.counts?.running).toBe(2));
    expect(api.calls.some((c) => c.path === '/fleets/f-demo')).toBe(true);
    await vi.waitFor(() => expect(session.routeGeometry.get().has('g-1')).toBe(true));
    expect(session.routesRoom.roadLines.get().get('g-1')).toBe(fleet?.color);
  });

  it('follows single trips of other pages over their trip rooms', async () => {
    const { socket, frames, layer, session } = setup(true);
    const api = session.api as ApiClient;
    vi.spyOn(api, 'listTrips').mockResolvedValue({
      items: [{ tripId: 'solo', routeId: 'g-1', vehicleId: 'v', clientId: '', status: 'running', requestedAt: '2026-11-25T10:00:00.000Z', count: 1, total: 3, paceMs: 1000, progress: 0.3 }],
      total: 1,
    });
    socket.open();
    session.start();
    await vi.waitFor(() => expect(socket.emitted.some((e) => e.event === 'subscribe-trip' && (e.payload as { tripId: string }).tripId === 'solo')).toBe(true));
    const { fleetId: _ignored, ...solo } = { ...fleetPosition('solo', 1) };
    socket.fire('new-position', solo);
    frames.run();
    expect(layer.drawn.has('solo')).toBe(true);
  });

  it('takes a fleet started here from the stream of all fleets, without a second subscription', async () => {
    const { socket, frames, layer, session } = setup(true);
    socket.open();
    socket.fire('positions', [fleetPosition('t1', 0)]);
    frames.run();
    expect(session.fleets.find('f-demo')?.origin).toBe('running');
    expect(await session.startFleet({ vehicles: 2, paceMs: 1000 })).toBe(true);
    expect(session.fleets.find('f-demo')?.origin).toBe('started');
    expect(session.fleets.get()).toHaveLength(1);
    expect(socket.emitted.filter((e) => e.event === 'subscribe-fleet').map((e) => e.payload)).toEqual([{}]);
    expect(layer.size).toBe(1);
  });

  it('draws only what this page started when not following the road', () => {
    const { socket, frames, layer } = setup(false);
    socket.open();
    expect(socket.last('subscribe-fleet')).toBeUndefined();
    socket.fire('positions', [fleetPosition('t1', 0)]);
    frames.run();
    expect(layer.size).toBe(0);
  });
});

describe('the cockpit rooms', () => {
  it('reads every SLO and the active alerts from Prometheus', async () => {
    const calls: string[] = [];
    const prometheus = new PrometheusClient('http://127.0.0.1:5173/prometheus', async (input) => {
      const url = new URL(input);
      calls.push(url.pathname);
      if (url.pathname.endsWith('/alerts')) {
        return jsonResponse(200, {
          status: 'success',
          data: { alerts: [{ labels: { alertname: 'FleetlabApiHighErrorRateFastBurn', slo: 'api-availability', severity: 'page' }, annotations: {}, state: 'firing' }] },
        });
      }
      const query = url.searchParams.get('query') ?? '';
      const value = query.includes('status_code=~"5.."') ? '0.3' : query.includes('fleetlab_kafka_consumer_lag_messages') ? 'NaN' : '0';
      return jsonResponse(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, value] }] } });
    });
    const config = resolveConfig({ env: {}, origin: 'http://127.0.0.1:5173' });
    session = new LiveSession({ config, api: new ApiClient(config.apiUrl, fakeFetch({}).fn), prometheus, jaeger: null });
    await session.slos.poll();
    const state = session.slos.state.get();
    expect(state.status).toBe('ready');
    expect(state.views.map((v) => [v.slo.id, v.status])).toEqual([
      ['api-availability', 'alerting'],
      ['api-latency', 'ok'],
      ['position-freshness', 'ok'],
      ['persistence-lag', 'ok'],
      ['consumer-lag', 'no-data'],
    ]);
    expect(calls.filter((p) => p.endsWith('/api/v1/query'))).toHaveLength(10);
  });

  it('keeps the last numbers and says why when Prometheus is unreachable', async () => {
    const prometheus = new PrometheusClient('http://127.0.0.1:1/prometheus', async () => {
      throw new TypeError('fetch failed');
    });
    const config = resolveConfig({ env: {}, origin: 'http://127.0.0.1:5173' });
    session = new LiveSession({ config, api: new ApiClient(config.apiUrl, fakeFetch({}).fn), prometheus, jaeger: null });
    await session.slos.poll();
    expect(session.slos.state.get()).toMatchObject({ status: 'error', error: expect.stringContaining('Prometheus unreachable at http://127.0.0.1:1/prometheus') });
  });

  it('finds a trip\'s trace by its trip id and lays it out; no trace is said as such', async () => {
    const paths: string[] = [];
    const trace = {
      traceID: 'abc',
      spans: [{ traceID: 'abc', spanID: 's1', operationName: 'trip.play', references: [], startTime: 1, duration: 10, tags: [], processID: 'p1' }],
      processes: { p1: { serviceName: 'simulator' } },
    };
    const jaeger = new JaegerClient('http://127.0.0.1:5173/jaeger', async (input) => {
      const url = new URL(input);
      paths.push(url.pathname + url.search);
      if (url.searchParams.get('tags')?.includes('none')) return jsonResponse(200, { data: [] });
      return jsonResponse(200, { data: [trace] });
    });
    const config = resolveConfig({ env: {}, origin: 'http://127.0.0.1:5173' });
    session = new LiveSession({ config, api: new ApiClient(config.apiUrl, fakeFetch({}).fn), prometheus: null, jaeger });
    await session.traces.show('trip-1');
    const state = session.traces.state.get();
    expect(state.status).toBe('ready');
    expect(state.status === 'ready' && state.waterfall.rows.map((r) => r.operation)).toEqual(['trip.play']);
    expect(decodeURIComponent(paths[0]!)).toContain('/jaeger/api/traces?service=simulator&operation=trip.play&tags={"fleetlab.trip.id":"trip-1"}');
    expect(paths[1]).toBe('/jaeger/api/traces/abc');
    await session.traces.show('none');
    expect(session.traces.state.get().status).toBe('none');
  });
});
