// Grafana dashboards as code (grafana-foundation-sdk builders), one file each in grafana/: fleet overview, RED per
// service, Kafka pipeline, SLOs and error budgets (from the SLO spec), the Istio mesh and the k6 runs of the Kubernetes
// lab.
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { k6 } from './grafana/k6';
import { kafka } from './grafana/kafka';
import { mesh } from './grafana/mesh';
import { overview } from './grafana/overview';
import { red } from './grafana/red';
import { slos } from './grafana/slos';

export const DASHBOARDS: ReadonlyArray<{ file: string; build: () => dashboard.Dashboard }> = [
  { file: 'fleetlab-overview.json', build: overview },
  { file: 'fleetlab-red.json', build: red },
  { file: 'fleetlab-kafka.json', build: kafka },
  { file: 'fleetlab-slos.json', build: slos },
  { file: 'fleetlab-mesh.json', build: mesh },
  { file: 'fleetlab-k6.json', build: k6 },
];

/** Every PromQL expression of a dashboard (panel targets and query variables), for the tests. */
export function dashboardQueries(d: unknown): Array<{ panel: string; expr: string }> {
  const out: Array<{ panel: string; expr: string }> = [];
  const visit = (node: unknown, panel: string): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, panel);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const title = typeof o.title === 'string' ? o.title : panel;
    if (typeof o.expr === 'string') out.push({ panel: title, expr: o.expr });
    for (const [k, v] of Object.entries(o)) if (k !== 'expr') visit(v, title);
  };
  visit(d, '');
  return out;
}

