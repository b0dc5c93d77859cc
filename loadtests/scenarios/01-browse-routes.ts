/**
 * 01 — browse routes: what the map does when it opens. Per iteration: GET /routes, then GET /routes/:id of one route
 * at random, then 1 s of think time. Read-only, safe against any lab.
 * Run: k6 run -e BASE_URL=http://127.0.0.1:3000 -e PROFILE=smoke loadtests/scenarios/01-browse-routes.ts
 */
import http from 'k6/http';
import { check, sleep } from 'k6';
import { BASE_URL, json, requireReady, scenarioOptions, traced } from '../lib/k6/env.ts';

export const options = scenarioOptions('browse_routes');

export function setup(): void {
  requireReady();
}

interface RouteSummary {
  id: string;
}

export default function browseRoutes(): void {
  const list = http.get(`${BASE_URL}/routes`, traced('GET /routes'));
  check(list, { 'GET /routes 200': (r) => r.status === 200 });
  const routes = json<RouteSummary[]>(list.body) ?? [];
  const route = routes[Math.floor(Math.random() * routes.length)];
  if (route) {
    const one = http.get(`${BASE_URL}/routes/${encodeURIComponent(route.id)}`, traced('GET /routes/:id'));
    check(one, { 'GET /routes/:id 200': (r) => r.status === 200 });
  }
  sleep(1);
}
