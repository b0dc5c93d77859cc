/**
 * 03 — fleet and watch: an instructor's fleet on the map. Per iteration (one virtual user = one fleet):
 * POST /fleets with FLEET_VEHICLES vehicles (default 10) on the load routes (lib/routes.ts), a socket.io connection that subscribes
 * to the fleet (subscribe-fleet) and receives its `positions` for WATCH_SECONDS (default 30), GET /fleets/:id every
 * 10 s while watching, then DELETE /fleets/:id. Every received position feeds the freshness Trend (receive time − ts).
 * The socket speaks socket.io by hand over k6/websockets (lib/socketio.ts): k6 has no socket.io client.
 * Run: k6 run -e BASE_URL=http://127.0.0.1:3000 loadtests/scenarios/03-fleet-and-watch.ts -e PROFILE=smoke
 */
import http from 'k6/http';
import { check } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { setInterval, clearInterval, setTimeout, clearTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import { BASE_URL, json, requireReady, scenarioOptions, traced } from '../lib/k6/env.ts';
import { GENERATE_BODY, loadRouteIds, loadRoutesPresent, type RouteSummaryLike } from '../lib/routes.ts';
import { FRESHNESS_METRIC } from '../lib/slo.ts';
import { CONNECT, PONG, decode, encodeEvent, freshnessOf, socketIoUrl } from '../lib/socketio.ts';

export const options = scenarioOptions('fleet_and_watch', { freshness: true });

const FLEET_VEHICLES = Number(__ENV.FLEET_VEHICLES || 10);
const WATCH_SECONDS = Number(__ENV.WATCH_SECONDS || 30);

const freshness = new Trend(FRESHNESS_METRIC, true);
const positionsReceived = new Counter('fleetlab_positions_received');
const subscribeFailed = new Counter('fleetlab_socket_subscribe_failed');

interface SetupData {
  routeIds: string[];
}

export function setup(): SetupData {
  requireReady();
  // The fixed set of load routes (lib/routes.ts), generated only when this lab doesn't have it yet.
  const known = http.get(`${BASE_URL}/routes`, traced('GET /routes'));
  if (!loadRoutesPresent(json<RouteSummaryLike[]>(known.body) ?? [])) {
    const res = http.post(`${BASE_URL}/routes/generate`, JSON.stringify(GENERATE_BODY), traced('POST /routes/generate', { timeout: '120s' }));
    if (res.status !== 201) throw new Error(`POST /routes/generate answered ${res.status}: ${String(res.body).slice(0, 200)}`);
  }
  return { routeIds: loadRouteIds() };
}

export default function fleetAndWatch(data: SetupData): void {
  const created = http.post(
    `${BASE_URL}/fleets`,
    JSON.stringify({ vehicles: FLEET_VEHICLES, routeIds: data.routeIds }),
    traced('POST /fleets'),
  );
  check(created, { 'POST /fleets 202': (r) => r.status === 202 });
  const fleetId = json<{ fleetId?: string }>(created.body)?.fleetId;
  if (!fleetId) return;

  const ws = new WebSocket(socketIoUrl(BASE_URL));
  let poll = 0;
  let stop = 0;
  let finished = false;
  // Whatever ends the watch (the timer, a refused connection, a socket error), the fleet is cancelled once.
  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearInterval(poll);
    clearTimeout(stop);
    const cancelled = http.del(`${BASE_URL}/fleets/${encodeURIComponent(fleetId)}`, null, traced('DELETE /fleets/:id'));
    check(cancelled, { 'DELETE /fleets/:id 202': (r) => r.status === 202 });
    ws.close();
  };

  ws.onmessage = (event) => {
    const frame = typeof event?.data === 'string' ? event.data : '';
    const packet = decode(frame);
    switch (packet.kind) {
      case 'open':
        ws.send(CONNECT);
        break;
      case 'ping':
        ws.send(PONG);
        break;
      case 'connect':
        ws.send(encodeEvent('subscribe-fleet', { fleetId }, 1));
        break;
      case 'ack': {
        const answer = packet.args[0] as { ok?: boolean; error?: string } | undefined;
        if (!check(answer, { 'subscribe-fleet acknowledged': (a) => a?.ok === true })) subscribeFailed.add(1);
        break;
      }
      case 'event':
        if (packet.event === 'positions') {
          const ages = freshnessOf(packet.args[0], Date.now());
          for (const age of ages) freshness.add(age);
          positionsReceived.add(ages.length);
        }
        break;
      case 'connect_error':
        subscribeFailed.add(1);
        console.error(`socket.io refused the connection: ${packet.message}`);
        finish();
        break;
      default:
        break;
    }
  };
  ws.onerror = () => {
    subscribeFailed.add(1);
    finish();
  };
  ws.onopen = () => {
    poll = setInterval(() => {
      const fleet = http.get(`${BASE_URL}/fleets/${encodeURIComponent(fleetId)}`, traced('GET /fleets/:id'));
      check(fleet, { 'GET /fleets/:id 200': (r) => r.status === 200 });
    }, 10_000);
    stop = setTimeout(finish, WATCH_SECONDS * 1000);
  };
}
