import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root, from platform/local/dist or platform/local/src. */
export const repoRoot = resolve(__dirname, '..', '..', '..');
export const localDir = join(repoRoot, 'platform', 'local');

/** Pinned versions of the local infrastructure; bump them here and in the files they name. */
export const versions = {
  /** Also in platform/local/kafka/pom.xml. */
  kafka: '4.1.1',
  ferretdb: 'v1.24.2',
  /** Also in platform/local/tools/go.mod. */
  jaeger: 'v1.76.0',
  /** Shopify's toxiproxy: the network faults between the services and Kafka / the database. */
  toxiproxy: 'v2.12.0',
} as const;

/**
 * Where built and downloaded infrastructure lives: outside the repository, shared by every clone.
 * FLEETLAB_CACHE wins, then XDG_CACHE_HOME/fleetlab, then ~/.cache/fleetlab.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLEETLAB_CACHE) return resolve(env.FLEETLAB_CACHE);
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'fleetlab');
  return join(homedir(), '.cache', 'fleetlab');
}

/** The SLO rules and alerts with lab-time windows (generated in dashboards/), loaded by the lab's Prometheus. */
export const labRules = join(repoRoot, 'dashboards', 'prometheus', 'rules-lab.yml');
