// What every browser test of the map starts from: the lab the test harness provides, a page of the app that records
// its errors and every request leaving 127.0.0.1, and polling with a deadline that says what it waited for.
import { inject } from 'vitest';
import type { Browser, Page } from 'playwright-core';

export interface WebLab {
  apiUrl: string;
  webUrl: string;
  prometheusUrl?: string;
  /** The api's fault-injection port, where the lab runs its fault layer. */
  apiFaultsUrl?: string;
}

/**
 * `lab` as the harness provides it (platform/local/test/global-setup.ts, or dev-global-setup.ts while developing):
 * read loosely so these files compile with either; fails naming every endpoint missing (apiUrl, webUrl and `also`).
 */
export function webLab<K extends keyof WebLab = never>(...also: K[]): WebLab & Required<Pick<WebLab, K>> {
  const value = (inject as (key: string) => unknown)('lab') as Partial<WebLab> | undefined;
  const missing = ['apiUrl', 'webUrl', ...also].filter((key) => !value?.[key as keyof WebLab]);
  if (missing.length > 0) throw new Error(`the test harness must provide ${missing.map((key) => `lab.${key}`).join(', ')}`);
  return value as WebLab & Required<Pick<WebLab, K>>;
}

export interface WatchedPage {
  page: Page;
  /** Uncaught errors of the page. */
  pageErrors: string[];
  /** Requests to anywhere but 127.0.0.1 (inline data aside): the lab runs offline, so there must be none. */
  offsite: string[];
}

/** Opens `url` in a new page of `browser`, recording page errors and offsite requests from the first request on. */
export async function openWatchedPage(browser: Browser, url: string, viewport: { width: number; height: number }): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport });
  const watched: WatchedPage = { page, pageErrors: [], offsite: [] };
  page.on('pageerror', (error) => watched.pageErrors.push(error.message));
  page.on('request', (request) => {
    const requested = new URL(request.url());
    if (requested.protocol !== 'data:' && requested.hostname !== '127.0.0.1' && requested.hostname !== 'localhost') watched.offsite.push(request.url());
  });
  await page.goto(url);
  return watched;
}

/** Polls until `probe` returns a value other than undefined; fails after `timeoutMs` saying what it waited for. */
export async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}
