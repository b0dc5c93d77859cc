import { describe, expect, it } from 'vitest';
import { findScenario, loadScenarios } from './catalog';
import { clusterProblemsOf, defaultJaegerUrl, K8S_URLS, kubeconfigFromEnv } from './target';

describe('which scenarios the cluster lab plays', () => {
  it('load-only scenarios and those whose experiment targets k8s; the others say why', () => {
    const playable = loadScenarios().filter((l) => clusterProblemsOf(l).length === 0).map((l) => l.number);
    expect(playable).toEqual([1, 2, 3, 6, 7, 8, 9, 10, 12, 13]);
    // A fault the driver cannot make is named with its field.
    expect(clusterProblemsOf(findScenario('4')).join('\n')).toMatch(/experiment database-latency: method\.0 \(network\): a network latency toxic needs/);
    // Faults it can make, left out on purpose: the expectations are what does not hold there.
    for (const n of ['5', '11']) {
      const problems = clusterProblemsOf(findScenario(n));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/the Kubernetes driver can make its faults, but its expectations do not hold there \(its targets are local; docs\/chaos\.md/);
    }
  });
});

describe('the cluster lab by default', () => {
  it("Tilt's port-forwards, FLEETLAB_JAEGER_URL first; a single KUBECONFIG file only", () => {
    expect(K8S_URLS).toEqual({ prometheus: 'http://localhost:9090', api: 'http://localhost:3000', jaeger: 'http://localhost:16686' });
    expect(defaultJaegerUrl('k8s', {})).toBe('http://localhost:16686');
    expect(defaultJaegerUrl('k8s', { FLEETLAB_JAEGER_URL: 'http://j:1' })).toBe('http://j:1');
    expect(defaultJaegerUrl('local', {})).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(kubeconfigFromEnv({ KUBECONFIG: '/a/config' })).toBe('/a/config');
    expect(kubeconfigFromEnv({ KUBECONFIG: '/a:/b' })).toBeUndefined();
    expect(kubeconfigFromEnv({})).toBeUndefined();
  });
});
