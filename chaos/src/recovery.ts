/**
 * Finds faults a previous runner left behind (it crashed, was killed, or its deadline passed) and reverts them.
 * Every command of `npm run chaos` does this first; `reset` does it for every open entry, and asks every lab it
 * knows to drop every fault, whoever made it.
 */
import { Ledger, orphans, type LedgerEntry } from './ledger';
import type { LabRef } from './drivers/driver';
import { K8sDriver, type K8sLabRef } from './drivers/k8s';
import { revertAt } from './drivers/local';

export interface RecoveryResult {
  reverted: string[];
  failed: Array<{ id: string; error: string }>;
}

async function revertEntry(entry: LedgerEntry): Promise<void> {
  if (entry.target === 'local') {
    if (!entry.lab.controlUrl) throw new Error('no control URL recorded');
    await revertAt(entry.lab.controlUrl, entry.fault.id);
    return;
  }
  // The cluster the entry names (kubeconfig file and context as they were at the run), with the plan it recorded.
  await new K8sDriver({ ...entry.lab }, '', '').revert(entry.fault);
}

/** A cluster's identity for the kill switch: its kubeconfig file and context (undefined: the defaults). */
function clusterKey(ref: K8sLabRef): string {
  return `${ref.kubeconfig ?? '(default kubeconfig)'}#${ref.context ?? '(current context)'}`;
}

async function revertEntries(ledger: Ledger, entries: LedgerEntry[], by: 'recovery' | 'reset'): Promise<RecoveryResult> {
  const result: RecoveryResult = { reverted: [], failed: [] };
  for (const entry of entries) {
    try {
      await revertEntry(entry);
      ledger.update(entry.fault.id, { state: 'reverted', revertedAt: Date.now(), revertedBy: by });
      result.reverted.push(entry.fault.id);
    } catch (error) {
      ledger.update(entry.fault.id, { state: 'failed', error: (error as Error).message });
      result.failed.push({ id: entry.fault.id, error: (error as Error).message });
    }
  }
  return result;
}

/** Reverts the open faults of this process (a runner about to die). */
export async function revertOwn(ledger: Ledger, pid = process.pid): Promise<RecoveryResult> {
  return revertEntries(ledger, ledger.open().filter((e) => e.owner.pid === pid), 'recovery');
}

/** Reverts the faults nobody looks after any more. */
export async function recoverOrphans(ledger: Ledger, now = Date.now()): Promise<RecoveryResult> {
  return revertEntries(ledger, orphans(ledger.entries(), now), 'recovery');
}

export interface ClusterReset {
  cluster: string;
  reverted?: string[];
  error?: string;
}

/**
 * The kill switch: every open entry reverted, every known local lab told to drop all its faults, and in every known
 * cluster (the ledger's, and `extraClusters`) every object labelled by this tool restored or deleted, in every namespace.
 */
export async function resetEverything(
  ledger: Ledger,
  extraControlUrls: string[] = [],
  extraClusters: LabRef[] = [],
): Promise<RecoveryResult & { labs: Array<{ controlUrl: string; reverted?: string[]; error?: string }>; clusters: ClusterReset[] }> {
  const clusterRefs = new Map<string, K8sLabRef>();
  for (const ref of [...ledger.entries().filter((e) => e.target === 'k8s').map((e) => e.lab), ...extraClusters]) {
    clusterRefs.set(clusterKey(ref), { kubeconfig: ref.kubeconfig, context: ref.context });
  }
  const result = await revertEntries(ledger, ledger.open(), 'reset');
  const clusters: ClusterReset[] = [];
  for (const [key, ref] of clusterRefs) {
    try {
      clusters.push({ cluster: key, reverted: await new K8sDriver(ref, '', '').resetAll() });
    } catch (error) {
      clusters.push({ cluster: key, error: (error as Error).message });
    }
  }
  const urls = new Set([...extraControlUrls, ...ledger.entries().map((e) => e.lab.controlUrl).filter((u): u is string => !!u)]);
  const labs: Array<{ controlUrl: string; reverted?: string[]; error?: string }> = [];
  for (const controlUrl of urls) {
    try {
      const response = await fetch(`${controlUrl}/reset`, { method: 'POST', signal: AbortSignal.timeout(180_000) });
      const body = (await response.json()) as { reverted: string[] };
      labs.push({ controlUrl, reverted: body.reverted });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      labs.push({ controlUrl, error: code === 'ECONNREFUSED' ? 'not running' : (error as Error).message });
    }
  }
  return { ...result, labs, clusters };
}
