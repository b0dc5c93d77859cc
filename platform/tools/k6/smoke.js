// k6 smoke load for the Kubernetes lab (Tilt button "load-smoke"): reads routes, starts trips, checks latency SLOs.
// Runs in the cluster: kubectl run … grafana/k6 run - < this file, with BASE_URL set to the gateway or the api Service.
import http from 'k6/http';
import { check, sleep } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://api.fleetlab:3000';

export const options = {
  scenarios: {
    riders: { executor: 'constant-vus', vus: 10, duration: '60s' },
  },
  // Thresholds are the SLOs of the api: a run that breaks them exits non-zero and the Tilt button turns red.
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{name:GET /routes}': ['p(95)<300'],
    'http_req_duration{name:POST /trips}': ['p(95)<500'],
  },
};

export default function () {
  const routes = http.get(`${BASE_URL}/routes`, { tags: { name: 'GET /routes' } });
  check(routes, { 'routes 200': (r) => r.status === 200 });
  const list = routes.status === 200 ? routes.json() : [];
  if (list.length > 0) {
    const route = list[Math.floor(Math.random() * list.length)];
    const trip = http.post(`${BASE_URL}/trips`, JSON.stringify({ routeId: route.id }), {
      headers: { 'Content-Type': 'application/json' },
      tags: { name: 'POST /trips' },
    });
    check(trip, { 'trip accepted': (r) => r.status === 202 });
  }
  sleep(1);
}
