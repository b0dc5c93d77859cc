/** The no-cluster lab's driver: everything goes through the lab's control endpoint on 127.0.0.1. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, fetchJson, runStateFile, type FaultRequest, type LabRunState, type LabStatus } from '@fleetlab/local';
import type { AppliedFault } from '../ledger';
import type { Driver } from './driver';

/** The lab's run dir: FLEETLAB_LAB_DIR, else the one `npm run lab` uses. */
export function defaultLabDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLEETLAB_LAB_DIR ?? join(cacheDir(env), 'lab');
}

export function readRunState(runDir: string): LabRunState {
  const file = join(runDir, runStateFile);
  if (!existsSync(file)) throw new Error(`no running lab found (${file} is missing): start one with \`npm run lab\`, or set FLEETLAB_LAB_DIR`);
  return JSON.parse(readFileSync(file, 'utf8')) as LabRunState;
}

/** The control endpoint answers within this long unless the call says otherwise. */
const CONTROL_TIMEOUT_MS = 30_000;

function call<T>(url: string, init: { method: string; body?: unknown; timeoutMs?: number }): Promise<{ status: number; body: T }> {
  return fetchJson<T>(url, { ...init, timeoutMs: init.timeoutMs ?? CONTROL_TIMEOUT_MS });
}

export class LocalDriver implements Driver {
  readonly target = 'local' as const;

  constructor(
    readonly controlUrl: string,
    readonly prometheusUrl: string,
    readonly apiUrl: string,
    readonly runDir?: string,
  ) {}

  static fromRunDir(runDir = defaultLabDir()): LocalDriver {
    const state = readRunState(runDir);
    return new LocalDriver(state.controlUrl, state.prometheusUrl, state.apiUrl, runDir);
  }

  get labRef(): { controlUrl: string; runDir?: string } {
    return { controlUrl: this.controlUrl, runDir: this.runDir };
  }

  async instances(components: string[]): Promise<string[]> {
    return components;
  }

  async inject(fault: AppliedFault): Promise<void> {
    if (fault.kind === 'stress') throw new Error(`fault ${fault.id}: a stress fault is Chaos Mesh's StressChaos, cluster only (--target k8s --chaos-mesh)`);
    if (fault.kind === 'http' && fault.params.header !== undefined) {
      throw new Error(`fault ${fault.id}: header is an Istio match, Kubernetes only; the local lab's api fault matches by pathPrefix`);
    }
    const request: FaultRequest = { id: fault.id, kind: fault.kind, components: fault.components, params: fault.params, expiresAt: fault.expiresAt };
    const { status, body } = await call(`${this.controlUrl}/faults`, { method: 'POST', body: request, timeoutMs: 120_000 });
    if (status !== 201) throw new Error(`the lab refused fault ${fault.id} (${fault.kind} ${fault.components.join(',')}): ${status} ${JSON.stringify(body)}`);
  }

  async revert(fault: AppliedFault): Promise<void> {
    await revertAt(this.controlUrl, fault.id);
  }

  async resetAll(): Promise<string[]> {
    const { status, body } = await call<{ reverted: string[] }>(`${this.controlUrl}/reset`, { method: 'POST', timeoutMs: 180_000 });
    if (status !== 200) throw new Error(`lab reset failed: ${status} ${JSON.stringify(body)}`);
    return body.reverted;
  }

  async ensureReady(components: string[], timeoutMs: number): Promise<void> {
    for (const name of components) {
      const { status, body } = await call(`${this.controlUrl}/components/${name}/ready`, { method: 'POST', timeoutMs });
      if (status !== 204) throw new Error(`${name} is not ready: ${status} ${JSON.stringify(body)}`);
    }
  }

  async status(): Promise<LabStatus> {
    const { status, body } = await call<LabStatus>(`${this.controlUrl}/status`, { method: 'GET' });
    if (status !== 200) throw new Error(`lab status: ${status}`);
    return body;
  }
}

/** Reverts a fault in the lab at controlUrl; a fault the lab no longer has (expired, lab restarted) counts as reverted. */
export async function revertAt(controlUrl: string, id: string): Promise<void> {
  let result: { status: number; body: unknown };
  try {
    result = await call(`${controlUrl}/faults/${encodeURIComponent(id)}`, { method: 'DELETE', timeoutMs: 120_000 });
  } catch (error) {
    // A lab that is gone took its faults with it: its processes were stopped (and a restarted lab starts clean).
    if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return;
    throw error;
  }
  if (result.status !== 200 && result.status !== 404) throw new Error(`reverting ${id}: ${result.status} ${JSON.stringify(result.body)}`);
}
