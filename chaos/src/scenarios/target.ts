/**
 * Which lab a scenario is played in: the local one (`npm run lab`) or the cluster lab (`--target k8s`: the current
 * kubeconfig context, through the chaos engine's Kubernetes driver, verified from Tilt's port-forwards of the
 * cluster's Prometheus and Jaeger). What the player, the daemon and the CLI share about it.
 */
import { defaultPorts } from '@fleetlab/local';
import { K8sDriver } from '../drivers/k8s';
import { clusterProblems, DEFAULT_NAMESPACE, unsupportedInCluster } from '../drivers/k8s-plan';
import { defaultLabDir, LocalDriver } from '../drivers/local';
import type { LoadedScenario } from './catalog';

/** Tilt's port-forwards in the cluster lab (Tiltfile: prometheus 9090, api 3000, Jaeger 16686), as the chaos CLI's. */
export const K8S_URLS = { prometheus: 'http://localhost:9090', api: 'http://localhost:3000', jaeger: 'http://localhost:16686' } as const;

export type ScenarioTarget = 'local' | 'k8s';

/** Where the scenario's lab is, as the daemon gets it on its command line and the state records it. */
export interface LabChoice {
  target: ScenarioTarget;
  /** local: the lab's run dir. */
  labDir?: string;
  /** k8s: the kubeconfig file (absent: KUBECONFIG or ~/.kube/config), its context (absent: the current one). */
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** k8s: Prometheus and the api (local: read from the lab's run state). */
  prometheusUrl?: string;
  apiUrl?: string;
  jaegerUrl: string;
  /** Faults only for the experiment (no load, gate or expectations of its own), with the reason; the scenario's own
   * verification still queries Prometheus and Jaeger and says what it saw. */
  skipProbes?: string;
}

export type ScenarioDriver = LocalDriver | K8sDriver;

/** A single kubeconfig file named by KUBECONFIG (recorded so a later command finds the same cluster). */
export function kubeconfigFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.KUBECONFIG && !env.KUBECONFIG.includes(':') ? env.KUBECONFIG : undefined;
}

export function defaultJaegerUrl(target: ScenarioTarget, env: NodeJS.ProcessEnv = process.env): string {
  return env.FLEETLAB_JAEGER_URL ?? (target === 'k8s' ? K8S_URLS.jaeger : `http://127.0.0.1:${defaultPorts.jaeger.query}`);
}

/** The driver for the chosen lab; a cluster is connected (kubeconfig read, context pinned) before it is returned. */
export async function driverFor(lab: LabChoice): Promise<ScenarioDriver> {
  if (lab.target === 'local') return LocalDriver.fromRunDir(lab.labDir ?? defaultLabDir());
  const driver = new K8sDriver(
    { kubeconfig: lab.kubeconfig, context: lab.context, namespace: lab.namespace ?? DEFAULT_NAMESPACE },
    lab.prometheusUrl ?? K8S_URLS.prometheus,
    lab.apiUrl ?? K8S_URLS.api,
  );
  return driver.connect();
}

/**
 * Why the cluster lab cannot play a scenario, or nothing: its experiment must list k8s in `targets` and every fault
 * must be one the Kubernetes driver does. A break without an experiment is load only, which goes to the cluster's api.
 */
export function clusterProblemsOf(loaded: LoadedScenario): string[] {
  if (!loaded.experiment) return [];
  const { name, experiment: e } = loaded.experiment;
  const problems = clusterProblems(e);
  // Faults the driver can make, left out on purpose: what the experiment expects to see is not what the cluster shows.
  if (problems.length > 0 && e.method.every((f) => unsupportedInCluster(f) === undefined)) {
    return [`experiment ${name}: the Kubernetes driver can make its faults, but its expectations do not hold there (its targets are ${e.targets.join(', ')}; docs/chaos.md, "The Kubernetes driver", says why)`];
  }
  return problems.map((p) => `experiment ${name}: ${p}`);
}
