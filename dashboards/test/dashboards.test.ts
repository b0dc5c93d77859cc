// The Grafana dashboards follow the house rules: fixed uids, a datasource variable, units and descriptions on every
// panel, $__rate_interval in rates, exemplars on latency panels.
import { describe, expect, it } from 'vitest';
import { dashboardQueries } from '../src/grafana';
import { DASHBOARD_FILES, readDashboard } from './lib';

interface Panel {
  type: string;
  title: string;
  description?: string;
  datasource?: { uid?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Array<{ expr: string; exemplar?: boolean }>;
}

describe.each(DASHBOARD_FILES)('%s', (file) => {
  const d = readDashboard(file) as { uid: string; title: string; panels: Panel[]; templating: { list: Array<{ name: string; type: string }> } };
  const panels = d.panels.filter((p) => p.type !== 'row');

  it('has the uid of its file name and a datasource variable', () => {
    expect(d.uid).toBe(file.replace(/\.json$/, ''));
    expect(d.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource' }));
  });

  it('gives every panel a description, a unit and the datasource variable', () => {
    expect(panels.length).toBeGreaterThan(0);
    for (const p of panels) {
      expect(p.description, p.title).toBeTruthy();
      expect(p.fieldConfig?.defaults?.unit, p.title).toBeTruthy();
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      for (const t of p.targets ?? []) expect((t as { datasource?: { uid?: string } }).datasource?.uid, p.title).toBe('${datasource}');
    }
  });

  it('rates over $__rate_interval (or a fixed SLO window)', () => {
    for (const q of dashboardQueries(d)) {
      for (const m of q.expr.matchAll(/\b(?:rate|increase)\([^[]*\[([^\]]+)\]/g)) expect(['$__rate_interval', '$__range', '1h'], `${q.panel}: ${q.expr}`).toContain(m[1]);
    }
  });

  it('turns exemplars on for every latency histogram of the services', () => {
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        if (/histogram_quantile\(.*_(seconds|milliseconds)_bucket/.test(t.expr) && !/scheduler_drift|write_duration/.test(t.expr)) {
          expect(t.exemplar, `${p.title}: ${t.expr}`).toBe(true);
        }
      }
    }
  });
});
