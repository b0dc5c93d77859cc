/**
 * 02 — start trips: single vehicles started over HTTP, as a dispatcher would. Per iteration: POST /trips on a seed
 * route (chosen in setup), then GET /trips/:id twice, 1 s apart, to follow it, then 1 s of think time. Trips on the
 * seed routes finish by themselves within a minute or two; nothing is left running for long.
 * Run: k6 run -e BASE_URL=http://127.0.0.1:3000 -e PROFILE=smoke loadtests/scenarios/02-start-trips.ts
 */
import http from 'k6/http';
import { check, sleep } from 'k6';
import { BASE_URL, json, requireReady, scenarioOptions, traced } from '../lib/k6/env.ts';

export const options = scenarioOptions('start_trips');

interface SetupData {
  routeIds: string[];
}

export function setup(): SetupData {
  requireReady();
  const res = http.get(`${BASE_URL}/routes`, traced('GET /routes'));
  const routeIds = (json<{ id: string }[]>(res.body) ?? []).map((r) => r.id);
  if (routeIds.length === 0) throw new Error(`no routes at ${BASE_URL}/routes (status ${res.status})`);
  return { routeIds };
}

export default function startTrips(data: SetupData): void {
  const routeId = data.routeIds[Math.floor(Math.random() * data.routeIds.length)]!;
  const started = http.post(
    `${BASE_URL}/trips`,
    JSON.stringify({ routeId, vehicleId: `k6-${__VU}-${__ITER}` }),
    traced('POST /trips'),
  );
  check(started, { 'POST /trips 202': (r) => r.status === 202 });
  const tripId = json<{ tripId?: string }>(started.body)?.tripId;
  if (tripId) {
    for (let i = 0; i < 2; i++) {
      sleep(1);
      const trip = http.get(`${BASE_URL}/trips/${encodeURIComponent(tripId)}`, traced('GET /trips/:id'));
      check(trip, { 'GET /trips/:id 200': (r) => r.status === 200 });
    }
  }
  sleep(1);
}
