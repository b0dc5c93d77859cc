import { createRegistry } from '@fleetlab/telemetry';
import { describe, expect, it } from 'vitest';
import { ApiMetrics } from './api-metrics';

describe('ApiMetrics active fleets', () => {
  it('is absent until the fleets feature counts it, then scraped from that count', async () => {
    const metrics = new ApiMetrics(createRegistry('api-test'));
    expect(await metrics.registry.metrics()).not.toContain('fleetlab_fleets_active');
    let active = 3;
    metrics.observeActiveFleets(async () => active);
    expect(await metrics.registry.metrics()).toMatch(/^fleetlab_fleets_active\{[^}]*\} 3$/m);
    active = 1;
    expect(await metrics.registry.metrics()).toMatch(/^fleetlab_fleets_active\{[^}]*\} 1$/m);
  });
});
