/** What the runner needs from a lab: inject a fault, revert it, reset everything, wait for components, status. */
import type { AppliedFault, LabTarget } from '../ledger';

export interface Driver {
  readonly target: LabTarget;
  /** How the ledger reaches this lab again (a later command, after a crash). */
  readonly labRef: { controlUrl?: string; runDir?: string };
  readonly prometheusUrl: string;
  readonly apiUrl: string;
  /** The candidates a blast radius is chosen from (service instances in the local lab are one each). */
  instances(components: string[]): Promise<string[]>;
  inject(fault: AppliedFault): Promise<void>;
  /** Idempotent: reverting a fault that is already gone succeeds. */
  revert(fault: AppliedFault): Promise<void>;
  /** Removes every fault in the lab, whoever made it; returns the ids it reverted. */
  resetAll(): Promise<string[]>;
  ensureReady(components: string[], timeoutMs: number): Promise<void>;
  status(): Promise<unknown>;
}
