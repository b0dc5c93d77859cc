import { FleetCreated } from '@fleetlab/contracts';
import type { Progress } from './progress';

export interface DemoFleetOptions {
  apiUrl: string;
  vehicles: number;
  paceMs: number;
  progress: Progress;
}

/**
 * Keeps a small fleet driving so the lab is never idle: starts a fleet on the seed routes plus generated ones, and
 * a new one whenever the last has finished. Stops when the signal aborts.
 */
export async function runDemoFleet(options: DemoFleetOptions, signal: AbortSignal): Promise<void> {
  let round = 0;
  while (!signal.aborted) {
    round += 1;
    const response = await fetch(`${options.apiUrl}/fleets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vehicles: options.vehicles, paceMs: options.paceMs, generate: { seed: round } }),
      signal,
    });
    if (!response.ok) throw new Error(`starting the demo fleet failed: ${response.status} ${await response.text()}`);
    const fleet = FleetCreated.parse(await response.json());
    options.progress.info(`demo fleet ${fleet.fleetId}: ${options.vehicles} vehicles (GET ${options.apiUrl}/fleets/${fleet.fleetId})`);
    while (!signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      if (signal.aborted) return;
      const progress = await fetch(`${options.apiUrl}/fleets/${fleet.fleetId}`, { signal }).then((r) => r.json() as Promise<{
        trips: Record<string, number>;
      }>);
      const { requested = 0, running = 0 } = progress.trips;
      if (requested + running === 0) break;
    }
  }
}
