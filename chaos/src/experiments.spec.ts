// Every shipped experiment is valid, expects something, and names only alerts the lab's Prometheus loads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadAll } from './experiments';

const rules = parse(readFileSync(join(__dirname, '..', '..', 'dashboards', 'prometheus', 'rules-lab.yml'), 'utf8')) as {
  groups: Array<{ rules: Array<{ alert?: string }> }>;
};
const alertNames = new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.alert)).filter(Boolean));

describe('the shipped experiments', () => {
  const all = loadAll();

  it('are at least ten, all valid', () => {
    expect(all.length).toBeGreaterThanOrEqual(10);
  });

  it.each(all.map((l) => [l.name, l] as const))('%s expects an alert or an SLI, and its alerts exist in rules-lab.yml', (_name, loaded) => {
    const { expect: expected, steadyState } = loaded.experiment;
    expect(expected.alerts.length + expected.slis.length).toBeGreaterThan(0);
    for (const a of expected.alerts) expect(alertNames, a.alert).toContain(a.alert);
    expect(steadyState.length).toBeGreaterThan(0);
  });

  it('cover the faults the lab must survive', () => {
    const names = all.map((l) => l.name);
    for (const n of ['consumer-crash', 'simulator-crash', 'api-crash', 'kafka-outage', 'database-outage', 'database-latency', 'api-5xx', 'api-latency', 'frozen-simulator', 'api-kafka-partition']) {
      expect(names).toContain(n);
    }
  });
});
