import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/env';
import { tripLinks } from './links';

const base = resolveConfig({ env: {}, origin: 'http://127.0.0.1:5173' });

describe('trip links', () => {
  it('builds the Jaeger search for the trip id from the default template', () => {
    const links = tripLinks(base, { tripId: 'abc-123' });
    expect(links).toHaveLength(1);
    expect(links[0]!.label).toBe('Trace');
    const url = new URL(links[0]!.href);
    expect(url.origin).toBe('http://127.0.0.1:16686');
    expect(url.pathname).toBe('/search');
    expect(url.searchParams.get('service')).toBe('api');
    expect(JSON.parse(url.searchParams.get('tags')!)).toEqual({ 'fleetlab.trip.id': 'abc-123' });
  });

  it('hides a link whose template is empty or whose base URL is not configured', () => {
    const config = {
      ...base,
      traceUrlTemplate: '',
      dashboardUrlTemplate: '{grafanaUrl}/d/fleetlab-trip?var-trip={tripId}',
      logsUrlTemplate: '{kibanaUrl}/app/discover',
      grafanaUrl: 'http://grafana.lab',
    };
    const links = tripLinks(config, { tripId: 't 1' });
    expect(links.map((l) => l.label)).toEqual(['Dashboard']);
    expect(links[0]!.href).toBe('http://grafana.lab/d/fleetlab-trip?var-trip=t%201');
  });
});
