// The runner around a fake lab: a driver that records calls, and a stand-in for Prometheus' HTTP API whose alert
// fires while a fault is on. The real lab runs it in chaos/test.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from './drivers/driver';
import { Ledger, type AppliedFault } from './ledger';
import { runExperiment } from './runner';
import { parseExperiment } from './schema';

let server: Server;
let promUrl = '';
let dir = '';
const faultsOn = new Set<string>();
let errorRatio = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runner-'));
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/api/v1/alerts') {
      const alerts = faultsOn.size > 0 ? [{ labels: { alertname: 'FleetlabPositionsStaleFastBurn' }, state: 'firing' }] : [];
      res.end(JSON.stringify({ status: 'success', data: { alerts } }));
      return;
    }
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, String(faultsOn.size > 0 ? 0.5 : errorRatio)] }] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  promUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function fakeDriver(ledger: Ledger, calls: string[]): Driver {
  return {
    target: 'local',
    labRef: { controlUrl: 'http://127.0.0.1:1' },
    prometheusUrl: promUrl,
    apiUrl: 'http://127.0.0.1:1',
    instances: async (c) => c,
    inject: async (f: AppliedFault) => {
      // The ledger must know the fault before the lab does.
      calls.push(`inject ${f.id} ledger=${ledger.entries().find((e) => e.fault.id === f.id)?.state ?? 'missing'}`);
      faultsOn.add(f.id);
    },
    revert: async (f: AppliedFault) => {
      calls.push(`revert ${f.id}`);
      faultsOn.delete(f.id);
    },
    resetAll: async () => [],
    ensureReady: async (c) => void calls.push(`ready ${c.join(',')}`),
    status: async () => ({}),
  };
}

const experiment = parseExperiment({
  title: 'frozen simulator',
  hypothesis: 'freshness alert fires, then clears',
  warmup: 0,
  steadyState: [{ name: 'freshness errors', query: 'x', tolerance: { max: 0.1 } }],
  method: [{ fault: 'freeze', target: { components: ['simulator'] } }],
  duration: '600ms',
  rollbacks: [{ action: 'ensure-ready', components: ['simulator'] }],
  expect: {
    alerts: [{ alert: 'FleetlabPositionsStaleFastBurn', within: '5s' }],
    slis: [{ name: 'freshness errors', query: 'x', above: 0.2, within: '5s' }],
    recoverWithin: '5s',
  },
});

describe('the runner', () => {
  it('records before injecting, reverts on time, sees the alert and the SLI, recovers, and writes a report', async () => {
    const ledger = new Ledger(join(dir, 'a.json'));
    const calls: string[] = [];
    const report = await runExperiment({ name: 'frozen', experiment, driver: fakeDriver(ledger, calls), ledger, pollMs: 100, recoveryStableMs: 300, log: () => {}, reportFile: join(dir, 'a-report.json') });
    expect(calls).toEqual([expect.stringMatching(/^inject frozen-.*-0 ledger=pending$/), expect.stringMatching(/^revert /), 'ready simulator']);
    expect(report.verdict).toMatchObject({ status: 'completed', hypothesis: 'held', expectations: 'met', exitCode: 0 });
    expect(report.expectations.map((x) => [x.kind, x.met])).toEqual([['alert', true], ['sli', true]]);
    expect(report.faults[0]?.revert).toMatchObject({ reason: 'schedule', ok: true });
    expect(ledger.open()).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'a-report.json'), 'utf8')).verdict.exitCode).toBe(0);
  });

  it('does not inject when the steady state does not hold', async () => {
    errorRatio = 0.9;
    try {
      const ledger = new Ledger(join(dir, 'b.json'));
      const calls: string[] = [];
      const report = await runExperiment({ name: 'gate', experiment, driver: fakeDriver(ledger, calls), ledger, pollMs: 50, gateTimeoutMs: 200, log: () => {}, reportFile: join(dir, 'b-report.json') });
      expect(report.verdict).toMatchObject({ status: 'gate-failed', exitCode: 2 });
      expect(calls).toEqual(['ready simulator']);
      expect(ledger.entries()).toEqual([]);
    } finally {
      errorRatio = 0;
    }
  });

  it('Ctrl-C reverts at once and still runs the rollbacks', async () => {
    const ledger = new Ledger(join(dir, 'c.json'));
    const calls: string[] = [];
    const controller = new AbortController();
    const long = parseExperiment({ ...experiment, warmup: 0, duration: '20m', expect: {}, steadyState: [], rollbacks: [{ action: 'ensure-ready', components: ['simulator'] }] });
    setTimeout(() => controller.abort(), 300);
    const report = await runExperiment({ name: 'ctrlc', experiment: long, driver: fakeDriver(ledger, calls), ledger, pollMs: 50, signal: controller.signal, log: () => {}, reportFile: join(dir, 'c-report.json') });
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['inject', 'revert', 'ready']);
    expect(report.faults[0]?.revert?.reason).toBe('rollback');
    expect(report.verdict).toMatchObject({ status: 'aborted', hypothesis: 'deviated', exitCode: 2 });
    expect(ledger.open()).toEqual([]);
  });

  it('a driver that selects and prepares: its victims and plan are in the ledger before it injects', async () => {
    const ledger = new Ledger(join(dir, 'd.json'));
    const calls: string[] = [];
    const base = fakeDriver(ledger, calls);
    const driver: Driver = {
      ...base,
      target: 'k8s',
      select: async (target, kind) => [`${kind}:${target.components.join(',')}:${target.mode}`],
      prepare: async (f: AppliedFault) => ({ original: `before ${f.components[0]}` }),
      inject: async (f: AppliedFault) => {
        const recorded = ledger.entries().find((e) => e.fault.id === f.id);
        calls.push(`inject ${JSON.stringify(recorded?.fault.plan)} ${recorded?.fault.components.join(',')}`);
      },
    };
    const short = parseExperiment({ ...experiment, duration: '200ms', steadyState: [], expect: {}, rollbacks: [] });
    await runExperiment({ name: 'plan', experiment: short, driver, ledger, pollMs: 50, log: () => {}, reportFile: join(dir, 'd-report.json'), skipProbes: 'test' });
    expect(calls[0]).toBe('inject {"original":"before freeze:simulator:all"} freeze:simulator:all');
  });

  it('with probes skipped, runs the faults without load, gate or expectations and says why', async () => {
    errorRatio = 0.9; // a gate would fail: it is not asked
    try {
      const ledger = new Ledger(join(dir, 'e.json'));
      const calls: string[] = [];
      const lines: string[] = [];
      const report = await runExperiment({ name: 'skip', experiment, driver: fakeDriver(ledger, calls), ledger, pollMs: 50, log: (l) => lines.push(l), reportFile: join(dir, 'e-report.json'), skipProbes: 'nothing to measure' });
      expect(calls.map((c) => c.split(' ')[0])).toEqual(['inject', 'revert', 'ready']);
      expect(report.gate).toEqual([]);
      expect(report.verdict).toMatchObject({ hypothesis: 'not-tested', expectations: 'not-tested', exitCode: 0 });
      expect(lines.some((l) => l.includes('probes skipped: nothing to measure'))).toBe(true);
      expect(ledger.open()).toEqual([]);
    } finally {
      errorRatio = 0;
    }
  });
});
