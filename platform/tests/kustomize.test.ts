// Every combination of platform/base and the opt-in components renders, with unique objects in the fleetlab namespace.
import { describe, expect, it } from 'vitest';
import { combinations, componentNames, id, parseObjects, render } from './lib.js';

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

describe('kustomize: base and every combination of components', () => {
  const names = componentNames();

  it('finds the components the docs describe', () => {
    expect(names).toEqual(['connect', 'data', 'dev', 'istio', 'observability']);
  });

  for (const combo of combinations(names)) {
    const title = ['base', ...combo].join(' + ');
    it(`renders ${title}`, () => {
      const objects = parseObjects(render(combo));
      expect(objects.length).toBeGreaterThan(0);
      const ids = objects.map(id);
      expect(ids.filter((x, i) => ids.indexOf(x) !== i), 'duplicate objects').toEqual([]);
      for (const o of objects) {
        if (CLUSTER_SCOPED.has(o.kind)) expect(o.metadata.namespace, id(o)).toBeUndefined();
        else expect(o.metadata.namespace, id(o)).toBe('fleetlab');
        expect(o.metadata.labels?.['app.kubernetes.io/part-of'], `${id(o)}: app.kubernetes.io/part-of`).toBe('fleetlab');
      }
    }, 60_000);
  }

  it('the istio component labels the namespace for injection and serves the app and api from one origin', () => {
    const objects = parseObjects(render(['istio']));
    const ns = objects.find((o) => o.kind === 'Namespace');
    expect(ns?.metadata.labels?.['istio-injection']).toBe('enabled');
    const webConfig = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('web-config-'));
    expect(JSON.parse(webConfig?.data['config.json']).apiUrl).toBe('');
  }, 60_000);

  it('the dev component keeps each service read-only but for a seeded, writable dist', () => {
    const objects = parseObjects(render(['dev']));
    for (const name of ['api', 'simulator', 'consumer']) {
      const spec = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)?.spec.template.spec;
      expect(spec.initContainers.map((c: { name: string }) => c.name)).toEqual(['seed-dist']);
      const main = spec.containers.find((c: { name: string }) => c.name === name);
      expect(main.command).toContain('--watch');
      expect(main.volumeMounts).toContainEqual({ name: 'live-dist', mountPath: `/app/services/${name}/dist` });
      expect(main.securityContext.readOnlyRootFilesystem).toBe(true);
    }
  }, 60_000);
});
