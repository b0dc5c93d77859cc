/** What the runner needs from a lab: inject a fault, revert it, reset everything, wait for components, status. */
import type { AppliedFault, LabTarget } from '../ledger';
import type { FaultKind, Target } from '../schema';

/** How a later command (after a crash) reaches the lab again: the local lab's control URL, or a cluster. */
export interface LabRef {
  controlUrl?: string;
  runDir?: string;
  /** Kubernetes: the kubeconfig file (absent: the default), its context and the lab's namespace. */
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface Driver {
  readonly target: LabTarget;
  /** How the ledger reaches this lab again (a later command, after a crash). */
  readonly labRef: LabRef;
  readonly prometheusUrl: string;
  readonly apiUrl: string;
  /** The candidates a blast radius is chosen from (service instances in the local lab are one each). */
  instances(components: string[]): Promise<string[]>;
  /** A driver whose victims are not the components themselves (pods) picks them here, by the target's mode. */
  select?(target: Target, kind: FaultKind): Promise<string[]>;
  /**
   * Reads what the fault will change and returns a plan with every original value; the runner records it in the
   * ledger (as fault.plan) before calling inject, so whoever reverts later puts back exactly what was there.
   */
  prepare?(fault: AppliedFault): Promise<unknown>;
  inject(fault: AppliedFault): Promise<void>;
  /** Idempotent: reverting a fault that is already gone succeeds. */
  revert(fault: AppliedFault): Promise<void>;
  /** Removes every fault in the lab, whoever made it; returns the ids it reverted. */
  resetAll(): Promise<string[]>;
  ensureReady(components: string[], timeoutMs: number): Promise<void>;
  status(): Promise<unknown>;
}
