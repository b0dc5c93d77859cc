// The safety net, against the real test lab: supervised restarts, faults that expire in the lab by themselves, a
// runner killed mid-run whose fault the next command reverts, and the kill switch.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStateFile, type LabRunState } from '@fleetlab/local';
import { Ledger } from '../src/ledger';
import { lab, waitFor } from '../../platform/local/test/helpers';
import { expectNothingLeft, labStatus } from './lab';

const cli = resolve(__dirname, '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'fleetlab-chaos-safety-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The run state `npm run lab` writes, for the CLI to find this lab. */
function labDir(): string {
  const l = lab();
  const state: LabRunState = { controlUrl: l.controlUrl, pid: process.pid, startedAt: Date.now(), apiUrl: l.apiUrl, prometheusUrl: l.prometheusUrl, mongoUrl: l.mongoUrl, runDir: dir };
  writeFileSync(join(dir, runStateFile), JSON.stringify(state));
  return dir;
}

async function postFault(body: unknown): Promise<Response> {
  return fetch(`${lab().controlUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('the lab supervisor', () => {
  it('restarts a SIGKILLed service and counts the restart', async () => {
    const before = (await labStatus()).components.consumer!;
    const response = await fetch(`${lab().controlUrl}/services/consumer/kill`, { method: 'POST' });
    expect(response.status).toBe(204);
    const after = await waitFor('the consumer restarted', async () => {
      const c = (await labStatus()).components.consumer!;
      return c.state === 'running' && c.restarts === before.restarts + 1 ? c : undefined;
    }, 60_000, 250);
    expect(after.pid).not.toBe(before.pid);
    expect(after.lastExit?.code).not.toBe(0);
    expect((await fetch(`${lab().consumerUrl}/readyz`)).status).toBe(200);
  });
});

describe('faults in the lab', () => {
  it('refuse a bad request, naming the field', async () => {
    const response = await postFault({ id: 'bad', kind: 'kill', components: ['redis'], params: {}, expiresAt: Date.now() + 10_000 });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('components.0: unknown component redis; known: api, simulator, consumer, kafka, database');
    const past = await postFault({ id: 'late', kind: 'freeze', components: ['simulator'], params: {}, expiresAt: Date.now() - 1 });
    expect(((await past.json()) as { error: string }).error).toBe('expiresAt: expected a time in the future (epoch ms)');
  });

  it('expire by themselves in the lab, whoever asked for them', async () => {
    const response = await postFault({ id: 'expiring-freeze', kind: 'freeze', components: ['simulator'], params: {}, expiresAt: Date.now() + 3_000 });
    expect(response.status).toBe(201);
    expect((await labStatus()).components.simulator?.state).toBe('frozen');
    await waitFor('the freeze expired', async () => ((await labStatus()).faults.length === 0 ? true : undefined), 15_000, 250);
    await expectNothingLeft();
  });
});

describe('a runner killed mid-run', () => {
  it('leaves its fault in the ledger, and the next command reverts it', async () => {
    const ledgerFile = join(dir, 'crash-ledger.json');
    const runner = spawn(process.execPath, [cli, 'run', 'frozen-simulator', '--lab-dir', labDir(), '--ledger', ledgerFile], { stdio: 'ignore' });
    const ledger = new Ledger(ledgerFile);
    await waitFor('the runner to inject its fault', async () => (ledger.open().some((e) => e.state === 'active') ? true : undefined), 120_000, 250);
    runner.kill('SIGKILL');
    await new Promise((r) => runner.once('exit', r));
    expect((await labStatus()).components.simulator?.state).toBe('frozen');
    expect(ledger.open()).toHaveLength(1);

    const status = spawnSync(process.execPath, [cli, 'status', '--lab-dir', labDir(), '--ledger', ledgerFile], { encoding: 'utf8' });
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/reverted frozen-simulator-.*-0, left behind by a runner that is gone/);
    expect(ledger.open()).toEqual([]);
    expect(ledger.entries()[0]).toMatchObject({ state: 'reverted', revertedBy: 'recovery' });
    await expectNothingLeft();
  }, 180_000);
});

describe('reset, the kill switch', () => {
  it('removes every fault in the lab, recorded or not', async () => {
    const ledgerFile = join(dir, 'reset-ledger.json');
    const expiresAt = Date.now() + 300_000;
    expect((await postFault({ id: 'manual-http', kind: 'http', components: ['api'], params: { abortStatus: 503, percent: 100, pathPrefix: '/trips' }, expiresAt })).status).toBe(201);
    expect((await postFault({ id: 'manual-latency', kind: 'network', components: ['consumer'], params: { to: 'database', toxic: { type: 'latency', latencyMs: 100 } }, expiresAt })).status).toBe(201);
    expect((await postFault({ id: 'manual-partition', kind: 'network', components: ['simulator'], params: { to: 'kafka', toxic: { type: 'partition' } }, expiresAt })).status).toBe(201);
    expect((await fetch(`${lab().apiUrl}/trips?limit=1`)).status).toBe(503);
    expect((await fetch(`${lab().apiUrl}/routes?limit=1`)).status).toBe(200);
    expect((await labStatus()).faults.map((f) => f.id).sort()).toEqual(['manual-http', 'manual-latency', 'manual-partition']);

    const reset = spawnSync(process.execPath, [cli, 'reset', '--lab-dir', labDir(), '--ledger', ledgerFile], { encoding: 'utf8' });
    expect(reset.stdout).toContain('3 fault(s) dropped');
    expect(reset.status).toBe(0);
    await expectNothingLeft();
    expect((await fetch(`${lab().apiUrl}/trips?limit=1`)).status).toBe(200);
  }, 180_000);
});
