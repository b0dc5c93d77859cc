// The scenario server's HTTP surface (chaos/src/scenarios/server.ts, `npm run scenario -- serve`), as the panel uses it.

import type { ScenarioSummary, ScenarioView } from '@fleetlab/contracts';

export type { ScenarioCheck, ScenarioSummary, ScenarioView } from '@fleetlab/contracts';
/** A fault of the view: with the seconds it has left. */
export type ScenarioFault = NonNullable<ScenarioView['faults']>[number];

export const DEFAULT_SCENARIO_URL = 'http://127.0.0.1:7091';

/** `?scenarios=<url>` on the page, else the scenario server's default port on this machine. */
export function scenarioServerUrl(search: string): string {
  const param = new URLSearchParams(search).get('scenarios');
  if (param && /^https?:\/\/[^/]+/.test(param)) return param.replace(/\/+$/, '');
  return DEFAULT_SCENARIO_URL;
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export class ScenarioClient {
  constructor(
    readonly baseUrl: string,
    private readonly fetchFn: FetchLike = (input, init) => fetch(input, init),
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetchFn(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const value = (await response.json()) as T & { error?: string };
    if (!response.ok) throw new Error(value.error ?? `${method} ${path}: ${response.status}`);
    return value;
  }

  list(): Promise<ScenarioSummary[]> {
    return this.call('GET', '/scenarios');
  }
  state(): Promise<ScenarioView> {
    return this.call('GET', '/state');
  }
  start(number: number): Promise<ScenarioView> {
    return this.call('POST', '/start', { number });
  }
  hint(): Promise<{ hint?: { index: number; text: string }; view: ScenarioView }> {
    return this.call('POST', '/hint');
  }
  answer(answers: Record<string, string>): Promise<ScenarioView> {
    return this.call('POST', '/answer', { answers });
  }
  stop(): Promise<ScenarioView> {
    return this.call('POST', '/stop');
  }
  revert(faultId: string): Promise<{ reverted: string }> {
    return this.call('DELETE', `/faults/${encodeURIComponent(faultId)}`);
  }
}
