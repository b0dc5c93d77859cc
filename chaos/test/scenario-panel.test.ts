// The map's scenario panel in Debian's Chromium (playwright-core) against the real test lab and a real scenario
// server: a fault shown with its time left and reverted from the panel; then scenario 1 played from start to verdict
// (start, a hint, a wrong answer, the right one, the telemetry's checks, solved). Screenshots go to
// test-results/scenarios/ (those in docs/images/scenarios/ come from this test).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../web/e2e/browser';
import { Ledger } from '../src/ledger';
import { startScenarioServer } from '../src/scenarios/server';
import { ScenarioStore } from '../src/scenarios/store';
import { lab, waitFor } from '../../platform/local/test/helpers';
import { expectNothingLeft, labStatus } from './lab';

const SHOTS = resolve(__dirname, '..', '..', 'test-results', 'scenarios');
const dir = mkdtempSync(join(tmpdir(), 'fleetlab-scenario-panel-'));
let server: Awaited<ReturnType<typeof startScenarioServer>>;
let store: ScenarioStore;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const l = lab();
  const runDir = mkdtempSync(join(dir, 'lab-'));
  writeFileSync(join(runDir, 'control.json'), JSON.stringify({ controlUrl: l.controlUrl, pid: process.pid, startedAt: Date.now(), apiUrl: l.apiUrl, prometheusUrl: l.prometheusUrl, mongoUrl: l.mongoUrl, runDir }));
  store = new ScenarioStore(join(dir, 'state'));
  server = await startScenarioServer({ store, port: 0, labDir: runDir, ledger: join(dir, 'ledger.json'), jaegerUrl: l.jaegerUrl });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${l.webUrl}/?scenarios=${encodeURIComponent(server.url)}`);
});

afterAll(async () => {
  await store?.stop().catch(() => undefined);
  await browser?.close();
  await server?.close();
  // Keep the scenario's state and its process's log (play.log) of a failed run, as the lab keeps its logs.
  if (process.env.FLEETLAB_KEEP_TEST_LAB !== 'true') rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`scenario state and log kept in ${dir}\n`);
});

describe('the scenario panel in the map', () => {
  it('refuses a request whose Host is not loopback, and an answer naming the field', async () => {
    // fetch() sets Host itself: a raw request names another one, as a rebinding page's would.
    const { port } = new URL(server.url);
    const foreign = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/state', headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    expect(foreign).toBe(403);
    const bad = await fetch(`${server.url}/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ number: 99 }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'number' });
  });

  it('shows an active fault with its time left, and its revert button takes it out of the lab', async () => {
    await page.getByTestId('scenario-start-5').click();
    await page.getByTestId('scenario-active').waitFor();
    const fault = page.getByTestId('scenario-fault');
    await fault.waitFor({ timeout: 180_000 });
    expect(await page.getByTestId('fault-time-left').textContent()).toMatch(/^\d+ s left$/);
    const id = await fault.getAttribute('data-fault-id');
    expect((await labStatus()).faults.map((f) => f.id)).toContain(id);
    await page.screenshot({ path: join(SHOTS, '01-fault-on.png') });
    await page.getByTestId('fault-revert').click();
    await waitFor('the fault out of the lab', async () => ((await labStatus()).faults.length === 0 ? true : undefined), 60_000, 500);
    await page.getByTestId('scenario-stop').click();
    await page.locator('[data-testid="scenario-phase"][data-phase="stopped"]').waitFor({ timeout: 180_000 });
    expect(new Ledger(join(dir, 'ledger.json')).open()).toEqual([]);
    await expectNothingLeft();
  }, 400_000);

  it('plays scenario 1 from start to verdict: hint, a wrong answer, the right one, the checks, solved', async () => {
    // After a scenario, the course folds into "start another scenario".
    await page.locator('.scenario-course > summary').click();
    await page.getByTestId('scenario-start-1').click();
    await page.locator('[data-testid="scenario-active"][data-number="1"]').waitFor();
    // The break waits for the lab to settle first (scenario 5's fleet is still driving).
    await page.locator('[data-testid="scenario-phase"][data-phase="broken"]').waitFor({ timeout: 200_000 });
    await page.getByTestId('scenario-hint').click();
    await waitFor('the first hint', async () => ((await page.getByTestId('scenario-hints').locator('li').count()) === 1 ? true : undefined), 10_000, 200);
    expect(await page.getByTestId('scenario-hints').textContent()).toContain('fleet.trip');

    await page.getByTestId('answer-service').selectOption('api');
    await page.getByTestId('answer-topic').selectOption('route.new-position');
    await page.getByTestId('answer-signal').selectOption('a trace');
    await page.getByTestId('scenario-answer-submit').click();
    await page.locator('[data-testid="scenario-answer-result"][data-correct="false"]').waitFor();
    await page.screenshot({ path: join(SHOTS, '02-wrong-answer.png') });

    await page.getByTestId('answer-service').selectOption('consumer');
    await page.getByTestId('scenario-answer-submit').click();
    await page.locator('[data-testid="scenario-answer-result"][data-correct="true"]').waitFor();
    expect(await page.getByTestId('scenario-explanations').textContent()).toContain('persist trip_positions');

    // The telemetry's checks come in (a trace through every service), then the restore: solved.
    await page.locator('[data-testid="scenario-checks"] li[data-ok="true"]', { hasText: 'trace' }).waitFor({ timeout: 120_000 });
    await page.screenshot({ path: join(SHOTS, '03-checks.png') });
    await page.locator('[data-testid="scenario-verdict"][data-status="solved"]').waitFor({ timeout: 240_000 });
    await page.screenshot({ path: join(SHOTS, '04-solved.png') });
    expect(await page.getByTestId('scenario-checks').textContent()).toContain('recovery');
    expect(pageErrors).toEqual([]);
  }, 400_000);
});
