// The dashboards tests look for tools where the lab's installers put them.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promtools } from './lib';

describe('the promtool of the Kubernetes lab', () => {
  it('is looked for in the cache FLEETLAB_CACHE names, like every installer and the lab', () => {
    const tool = promtools({ FLEETLAB_CACHE: '/srv/fleetlab-cache' }).find((t) => t.name.includes('3.x'));
    expect(tool?.path).toBe(join('/srv/fleetlab-cache', 'k8s-tools', 'bin', 'promtool'));
  });
});
