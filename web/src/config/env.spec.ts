import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_API_URL, DEFAULT_TRACE_URL_TEMPLATE, OSM_TILE_URL, parseEnv, resolveConfig } from './env';
import { fetchRuntimeOverrides, loadRuntimeConfig } from '../lib/runtime-config';
import { jsonResponse } from '../test/fakes';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config from VITE_* variables', () => {
  it('rejects a bad api URL, naming the variable', () => {
    const error = errorOf(() => parseEnv({ VITE_API_URL: 'ftp://example' }));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^VITE_API_URL: must be an http\(s\) URL/);
    expect(error.message).toContain('VITE_API_URL');
  });

  it('names every bad variable at once', () => {
    const error = errorOf(() =>
      parseEnv({ VITE_API_URL: 'not a url', VITE_TILE_URL: 'https://tiles.example/{z}/{x}.png', VITE_TRACE_URL_TEMPLATE: '{jaegerUrl}/trace/{traceId}' }),
    );
    expect(error.issues.map((i) => i.split(':')[0])).toEqual(['VITE_API_URL', 'VITE_TILE_URL', 'VITE_TRACE_URL_TEMPLATE']);
    expect(error.issues[1]).toContain('{y}');
    expect(error.issues[2]).toContain('{traceId}');
  });

  it('defaults: api on 127.0.0.1:3000, OpenStreetMap tiles with their attribution, a Jaeger trace link', () => {
    const config = resolveConfig({ env: parseEnv({}), origin: 'http://127.0.0.1:5173' });
    expect(config.apiUrl).toBe(DEFAULT_API_URL);
    expect(config.tileUrl).toBe(OSM_TILE_URL);
    expect(config.tileAttribution).toContain('OpenStreetMap');
    expect(config.prometheusUrl).toBe('');
    expect(config.jaegerApiUrl).toBe(config.jaegerUrl);
    expect(config.traceUrlTemplate).toBe(DEFAULT_TRACE_URL_TEMPLATE);
    expect(config.dashboardUrlTemplate).toBe('');
  });

  it('accepts the OSM template and JSON braces in a link template', () => {
    const env = parseEnv({
      VITE_API_URL: 'http://api.local:8080/',
      VITE_TILE_URL: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
      VITE_TRACE_URL_TEMPLATE: '{jaegerUrl}/search?service=api&tags={"fleetlab.trip.id":"{tripId}"}',
    });
    expect(env.apiUrl).toBe('http://api.local:8080');
    expect(env.tileUrl).toContain('{z}');
  });
});

describe('runtime config.json', () => {
  const base = 'http://127.0.0.1:5173/';

  it('overrides the build-time values, and an absent apiUrl means this origin', async () => {
    const config = await loadRuntimeConfig({
      baseUrl: base,
      env: { VITE_API_URL: 'http://127.0.0.1:3000' },
      fetchFn: async () => jsonResponse(200, { jaegerUrl: 'http://jaeger.lab:16686', tileUrl: '' }),
    });
    expect(config.jaegerUrl).toBe('http://jaeger.lab:16686');
    // VITE_API_URL still wins over the same-origin default when config.json does not name one.
    expect(config.apiUrl).toBe('http://127.0.0.1:3000');
    const sameOrigin = await loadRuntimeConfig({ baseUrl: base, env: {}, fetchFn: async () => jsonResponse(200, {}) });
    expect(sameOrigin.apiUrl).toBe('http://127.0.0.1:5173');
  });

  it('turns the tiles off with tileUrl "" and resolves proxy paths on this origin', async () => {
    const config = await loadRuntimeConfig({
      baseUrl: base,
      env: {},
      fetchFn: async () => jsonResponse(200, { tileUrl: '', prometheusUrl: '/prometheus/', jaegerApiUrl: '/jaeger' }),
    });
    expect(config.tileUrl).toBe('');
    expect(config.tileAttribution).toBe('');
    expect(config.prometheusUrl).toBe('http://127.0.0.1:5173/prometheus');
    expect(config.jaegerApiUrl).toBe('http://127.0.0.1:5173/jaeger');
  });

  it('rejects a Prometheus URL that is neither a URL nor a path, naming the field', async () => {
    await expect(
      loadRuntimeConfig({ baseUrl: base, env: {}, fetchFn: async () => jsonResponse(200, { prometheusUrl: 'prometheus:9090' }) }),
    ).rejects.toThrow(/config\.json prometheusUrl: must be an http\(s\) URL or a path/);
  });

  it('injects the api URL', async () => {
    const config = await loadRuntimeConfig({ baseUrl: base, env: {}, fetchFn: async () => jsonResponse(200, { apiUrl: 'http://127.0.0.1:41234' }) });
    expect(config.apiUrl).toBe('http://127.0.0.1:41234');
  });

  it('treats a 404 or an SPA fallback page as no config.json', async () => {
    expect(await fetchRuntimeOverrides(`${base}config.json`, async () => new Response('nope', { status: 404 }))).toBeUndefined();
    const html = async (): Promise<Response> => new Response('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html' } });
    expect(await fetchRuntimeOverrides(`${base}config.json`, html)).toBeUndefined();
    const config = await loadRuntimeConfig({ baseUrl: base, env: {}, fetchFn: html });
    expect(config.apiUrl).toBe(DEFAULT_API_URL);
  });

  it('rejects a bad value in config.json, naming the field', async () => {
    await expect(
      loadRuntimeConfig({ baseUrl: base, env: {}, fetchFn: async () => jsonResponse(200, { apiUrl: 'javascript:alert(1)' }) }),
    ).rejects.toThrow(/config\.json apiUrl: must be an http\(s\) URL/);
  });
});
