// What the chaos integration tests need from the shared test lab: its driver, its state, and the data check.
import { expect } from 'vitest';
import type { LabStatus } from '@fleetlab/local';
import { LocalDriver } from '../src/drivers/local';
import { lab } from '../../platform/local/test/helpers';

export { expectExactHistories, waitForFleetFinished } from '../../platform/local/test/helpers';

export function driver(): LocalDriver {
  const l = lab();
  return new LocalDriver(l.controlUrl, l.prometheusUrl, l.apiUrl, l.runDir);
}

export async function labStatus(): Promise<LabStatus> {
  return driver().status();
}

/** No fault anywhere: none in the lab's book, every component running, toxiproxy clean, the api's HTTP fault off. */
export async function expectNothingLeft(): Promise<void> {
  const status = await labStatus();
  expect(status.faults).toEqual([]);
  for (const [name, c] of Object.entries(status.components)) expect(`${name} ${c.state}`).toBe(`${name} running`);
  const { toxiproxyUrl, apiFaultsUrl } = lab();
  const proxies = (await (await fetch(`${toxiproxyUrl}/proxies`)).json()) as Record<string, { enabled: boolean; toxics: unknown[] }>;
  for (const [name, p] of Object.entries(proxies)) expect({ name, enabled: p.enabled, toxics: p.toxics }).toEqual({ name, enabled: true, toxics: [] });
  expect(((await (await fetch(`${apiFaultsUrl}/fault`)).json()) as { fault: unknown }).fault).toBeNull();
}
