// The SLO rules and alerts: promtool checks them and runs their unit tests (one that fires and one that must not, for
// every alert), and every alert carries its labels, annotations and a runbook section.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS_DIR, PROMTOOLS, REPO, RULE_FILES, TEST_FILES, readYaml, requirePromtool, rules, run } from './lib';

interface PromtoolTests {
  rule_files: string[];
  tests: Array<{ name: string; alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

describe.each(PROMTOOLS)('$name', (tool) => {
  it('checks both rule files', () => {
    const out = run(requirePromtool(tool), ['check', 'rules', ...RULE_FILES], DASHBOARDS_DIR);
    expect(out).toMatch(/SUCCESS/);
  });

  it('passes the rule unit tests', () => {
    const out = run(requirePromtool(tool), ['test', 'rules', ...TEST_FILES.map((f) => f.replace('prometheus/tests/', ''))], join(DASHBOARDS_DIR, 'prometheus', 'tests'));
    expect(out).not.toMatch(/FAILED/);
  }, 120_000);
});

describe.each(RULE_FILES.map((file, i) => ({ file, tests: TEST_FILES[i]! })))('$file', ({ file, tests }) => {
  const alerts = rules(file).filter((r) => r.alert !== undefined);
  const runbooks = readFileSync(join(REPO, 'docs', 'runbooks.md'), 'utf8');
  const anchors = new Set([...runbooks.matchAll(/^#{2,3} (\S+)/gm)].map((m) => m[1]!.toLowerCase()));

  it('has alerts, every one PascalCase with the Fleetlab prefix', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    for (const a of alerts) expect(a.alert).toMatch(/^Fleetlab[A-Z][A-Za-z]+$/);
  });

  it.each(alerts.map((a) => a.alert!))('%s has severity, summary, description and a runbook section', (name) => {
    const a = alerts.find((r) => r.alert === name)!;
    expect(['page', 'ticket']).toContain(a.labels?.severity);
    expect(a.annotations?.summary).toBeTruthy();
    expect(a.annotations?.description).toBeTruthy();
    expect(a.annotations?.runbook_url).toMatch(new RegExp(`docs/runbooks\\.md#${name.toLowerCase()}$`));
    expect(anchors, `docs/runbooks.md has no "## ${name}" section`).toContain(name.toLowerCase());
  });

  it('has, for every alert, a promtool test where it fires and one where it must not', () => {
    const spec = readYaml<PromtoolTests>(tests);
    expect(spec.rule_files).toEqual([`../${file.replace('prometheus/', '')}`]);
    for (const a of alerts) {
      const cases = spec.tests.flatMap((t) => t.alert_rule_test).filter((c) => c.alertname === a.alert);
      expect(cases.some((c) => c.exp_alerts.length > 0), `${a.alert} never fires in ${tests}`).toBe(true);
      expect(cases.some((c) => c.exp_alerts.length === 0), `${a.alert} has no must-not-fire test in ${tests}`).toBe(true);
    }
  });
});
