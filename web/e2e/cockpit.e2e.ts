// The cockpit in a real browser against the real lab: the vehicles already on the road drawn without starting
// anything, the SLO panel read from the lab's Prometheus, a real trip's trace as a waterfall from the lab's Jaeger,
// an alert appearing while the api answers 503 (the api-5xx experiment's fault, through the api's fault-injection
// port), and the plain background with the reason it is shown. Screenshots go to test-results/web/; with
// FLEETLAB_UPDATE_SCREENSHOTS=1 they also replace docs/images/cockpit-*.png.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { freePort, serveWeb } from '@fleetlab/local';
import { launchChromium } from './browser';
import { openWatchedPage, poll, webLab, type WatchedPage } from './harness';

const lab = () => webLab('prometheusUrl');

const ROOT = resolve(import.meta.dirname, '..', '..');
const SHOTS = join(ROOT, 'test-results', 'web');
const DOC_SHOTS = join(ROOT, 'docs', 'images');

async function shot(page: Page, name: string): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  if (process.env.FLEETLAB_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(DOC_SHOTS, { recursive: true });
    copyFileSync(path, join(DOC_SHOTS, `${name}.png`));
  }
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${lab().apiUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

describe('web: the cockpit', () => {
  let browser: Browser;
  let watched: WatchedPage;
  let page: Page;
  let fleetId: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // A fleet on the road before the page opens, started by someone else (here: this test, over REST).
    fleetId = (await api<{ fleetId: string }>('POST', '/fleets', { vehicles: 12, paceMs: 400, generate: { seed: 7 } })).fleetId;
    browser = await launchChromium();
    watched = await openWatchedPage(browser, lab().webUrl, { width: 1600, height: 1000 });
    page = watched.page;
  });

  afterAll(async () => {
    if (lab().apiFaultsUrl) await fetch(`${lab().apiFaultsUrl}/fault`, { method: 'DELETE' }).catch(() => undefined);
    if (fleetId) await fetch(`${lab().apiUrl}/fleets/${fleetId}`, { method: 'DELETE' }).catch(() => undefined);
    await browser?.close();
  });

  it('draws the vehicles already on the road and their route lines, without starting a fleet', async () => {
    const card = page.locator(`[data-testid="fleet-card"][data-fleet-id="${fleetId}"]`);
    await card.waitFor({ timeout: 60_000 });
    expect(await card.getAttribute('data-origin')).toBe('running');
    await poll('12 vehicles of the running fleet on the map', async () =>
      Number(await card.getByTestId('fleet-drawn').getAttribute('data-count')) === 12 ? true : undefined,
    );
    await poll('route lines of the vehicles on the road', async () =>
      Number(await page.getByTestId('road-lines').getAttribute('data-count')) > 0 ? true : undefined,
    );
    expect(Number(await page.getByTestId('vehicles-drawn').getAttribute('data-count'))).toBeGreaterThanOrEqual(12);
    expect(await page.getByTestId('fleet-card').locator('[data-origin="started"]').count()).toBe(0);
  });

  it('shows the plain background and says why: the tile layer is off in the test lab', async () => {
    expect(await page.getByTestId('map-wrap').getAttribute('data-tiles')).toBe('off');
    expect(await page.getByTestId('map-fallback').textContent()).toContain('tile layer is off');
    expect(await page.locator('.leaflet-tile').count()).toBe(0);
  });

  it('shows every SLO of the spec with its SLI and error budget, read from the lab\'s Prometheus', async () => {
    await page.locator('[data-testid="slo-panel"][data-status="ready"]').waitFor({ timeout: 30_000 });
    const ids = await page.getByTestId('slo').evaluateAll((els) => els.map((e) => e.getAttribute('data-slo')));
    expect(ids).toEqual(['api-availability', 'api-latency', 'position-freshness', 'persistence-lag', 'consumer-lag']);
    // The fleet's positions are flowing: freshness has traffic, so a number, not "no traffic".
    await poll('a position-freshness SLI', async () => {
      const sli = await page.locator('[data-slo="position-freshness"] [data-testid="slo-sli"]').textContent();
      return sli && sli !== '–' ? sli : undefined;
    });
    // No Grafana in this lab: no dashboard links.
    expect(await page.getByTestId('slo-dashboard').count()).toBe(0);
    await shot(page, 'cockpit-road');
  });

  it('shows a real trip\'s trace as a waterfall from the lab\'s Jaeger', async () => {
    await page.getByTestId('route-1').click();
    await page.getByTestId('pace-input').fill('100');
    await page.getByTestId('start-trip').click();
    const row = page.locator('[data-testid="trip-row"][data-route-id="1"]');
    await poll('the trip to finish', async () => ((await row.getAttribute('data-status')) === 'finished' ? true : undefined), 90_000);
    await row.locator('.trip__main').click();
    const panel = page.getByTestId('trace-panel');
    await panel.waitFor();
    // The consumer's spans reach Jaeger in batches: reload until the whole story is there.
    await poll(
      'the trip\'s trace with api, simulator and consumer spans',
      async () => {
        const status = await panel.getAttribute('data-status');
        if (status === 'ready') {
          const services = await panel.getByTestId('trace-service').allTextContents();
          if (['api', 'simulator', 'consumer'].every((s) => services.some((t) => t.includes(s)))) return true;
        }
        if (status !== 'loading') await page.getByTestId('trace-reload').click();
        await new Promise((r) => setTimeout(r, 1_000));
        return undefined;
      },
      60_000,
    );
    const summary = page.getByTestId('trace-summary');
    const spans = Number(await summary.getAttribute('data-spans'));
    expect(spans).toBeGreaterThan(3);
    expect(await page.getByTestId('span-row').count()).toBe(Math.min(spans, 400));
    const first = page.getByTestId('span-row').first();
    expect(await first.textContent()).toMatch(/new-direction|POST|socket/i);
    expect(await page.getByTestId('span-row').filter({ hasText: 'trip.play' }).count()).toBe(1);
    // This lab's Jaeger has no UI: no link to one.
    expect(await page.getByTestId('trace-jaeger-link').count()).toBe(0);
    await shot(page, 'cockpit-trace');
  });

  it('shows the availability alert firing while the api answers 503, and the SLO alerting', async () => {
    const faults = lab().apiFaultsUrl;
    expect(faults, 'the test lab runs with its fault layer').toBeDefined();
    // The api-5xx experiment's fault (chaos/experiments/api-5xx.yaml), on the requests this test makes.
    const put = await fetch(`${faults}/fault`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ abortStatus: 503, percent: 100, pathPrefix: '/routes', expiresAt: Date.now() + 150_000 }),
    });
    expect(put.status).toBeLessThan(300);
    const load = setInterval(() => void fetch(`${lab().apiUrl}/routes`).catch(() => undefined), 100);
    try {
      const alert = page.locator('[data-testid="alert"][data-alertname="FleetlabApiHighErrorRateFastBurn"][data-state="firing"]');
      await alert.waitFor({ timeout: 120_000 });
      await page.locator('[data-slo="api-availability"][data-status="alerting"]').waitFor({ timeout: 15_000 });
      expect(Number(await page.getByTestId('alerts').getAttribute('data-firing'))).toBeGreaterThanOrEqual(1);
      await shot(page, 'cockpit-alert');
    } finally {
      clearInterval(load);
      await fetch(`${faults}/fault`, { method: 'DELETE' });
    }
  });

  it('says why the background is plain when the tiles cannot be loaded', async () => {
    // The app's default tile layer stands for OpenStreetMap here, on a port nothing listens on: the browser stays offline.
    const dead = await freePort();
    const web = await serveWeb({ port: await freePort(), config: { apiUrl: lab().apiUrl, prometheusUrl: '', tileUrl: `http://127.0.0.1:${dead}/{z}/{x}/{y}.png` } });
    const other = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      await other.goto(web.url);
      await other.locator('[data-testid="map-wrap"][data-tiles="unavailable"]').waitFor({ timeout: 30_000 });
      expect(await other.getByTestId('map-fallback').textContent()).toContain('could not be loaded');
      await shot(other, 'cockpit-tiles-unavailable');
    } finally {
      await other.close();
      await web.close();
    }
  });

  it('raised no page error and fetched nothing from the internet', () => {
    expect(watched.pageErrors).toEqual([]);
    expect(watched.offsite).toEqual([]);
  });
});
