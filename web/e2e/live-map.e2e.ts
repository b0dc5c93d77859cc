// The live map in a real browser against the real lab: a trip on route 2 moves and finishes, a fleet of 200 shows
// 200 vehicles. Screenshots of each state go to test-results/web/.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { openWatchedPage, poll, webLab as lab, type WatchedPage } from './harness';

const SHOTS = resolve(import.meta.dirname, '..', '..', 'test-results', 'web');

describe('web: the live map', () => {
  let browser: Browser;
  let watched: WatchedPage;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
    // Nothing may be fetched from the internet: every request must stay on 127.0.0.1 (or be inline data).
    watched = await openWatchedPage(browser, lab().webUrl, { width: 1400, height: 900 });
    page = watched.page;
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('connects to the api given by config.json and lists the routes', async () => {
    await page.locator('[data-testid="connection-badge"][data-status="connected"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('connection-badge').textContent()).toContain(lab().apiUrl);
    await page.getByTestId('route-2').waitFor();
    await page.screenshot({ path: join(SHOTS, '01-routes.png') });
  });

  it('starts route 2 at a fast pace, moves its vehicle and tells when it finished', async () => {
    await page.getByTestId('route-2').click();
    await page.getByTestId('pace-input').fill('100');
    await page.getByTestId('start-trip').click();
    const row = page.locator('[data-testid="trip-row"][data-route-id="2"]');
    await row.waitFor();

    const first = await poll('the vehicle on the map', async () => (await row.getAttribute('data-marker')) || undefined);
    const moved = await poll('the vehicle to move', async () => {
      const now = await row.getAttribute('data-marker');
      return now && now !== first ? now : undefined;
    });
    expect(moved).not.toBe(first);
    await page.screenshot({ path: join(SHOTS, '02-trip-moving.png') });

    // The same route again while it runs: refused, with the reason.
    await page.getByTestId('start-trip').click();
    expect(await page.getByTestId('route-message').textContent()).toMatch(/already running/);
    expect(await page.locator('[data-testid="trip-row"][data-route-id="2"]').count()).toBe(1);

    await page.locator('[data-testid="notification-success"]', { hasText: 'Trip on route "Segundo" finished' }).waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('data-status')).toBe('finished');

    await row.locator('.trip__main').click();
    const details = page.getByTestId('trip-details');
    await details.waitFor();
    await poll('details of the finished trip', async () => ((await page.getByTestId('detail-status').textContent()) === 'finished' ? true : undefined));
    const trace = await details.getByRole('link', { name: 'Trace' }).getAttribute('href');
    const tripId = await row.getAttribute('data-trip-id');
    expect(decodeURIComponent(trace!)).toContain(`"fleetlab.trip.id":"${tripId}"`);
    await page.screenshot({ path: join(SHOTS, '03-trip-finished.png') });
  });

  it('starts a fleet of 200 and draws all 200 vehicles', async () => {
    await page.locator('[data-testid="trip-row"] >> text=clear').click();
    await page.getByTestId('fleet-size').fill('200');
    await page.getByTestId('fleet-pace').fill('500');
    // The seed routes, round-robin: generating 200 routes is the api's business (and has hung FerretDB in
    // development), drawing 200 vehicles is this test's.
    await page.getByTestId('fleet-generated').uncheck();
    await page.getByTestId('start-fleet').click();
    // Fleets already on the road (other tests', the lab's) have cards of their own: this one was started here.
    const card = page.locator('[data-testid="fleet-card"][data-origin="started"]');
    await card.waitFor();
    await poll(
      '200 vehicles on the map',
      async () => (Number(await card.getByTestId('fleet-drawn').getAttribute('data-count')) >= 200 ? true : undefined),
      90_000,
    );
    expect(Number(await card.getByTestId('fleet-drawn').getAttribute('data-count'))).toBe(200);
    // Every vehicle on the road is drawn, this fleet's and any other's.
    expect(Number(await page.getByTestId('vehicles-drawn').getAttribute('data-count'))).toBeGreaterThanOrEqual(200);
    await page.screenshot({ path: join(SHOTS, '04-fleet-200.png') });

    // Clean up: cancel the fleet's trips so they do not load the lab for the next test file.
    const fleetId = await card.getAttribute('data-fleet-id');
    await card.getByRole('button', { name: 'stop' }).click();
    await poll('the fleet cancelled', async () => {
      const res = await fetch(`${lab().apiUrl}/fleets/${fleetId}`);
      const body = (await res.json()) as { status: string };
      return body.status === 'cancelled' ? true : undefined;
    }, 30_000);
  });

  it('raised no page error and fetched nothing from the internet', () => {
    expect(watched.pageErrors).toEqual([]);
    expect(watched.offsite).toEqual([]);
  });
});
