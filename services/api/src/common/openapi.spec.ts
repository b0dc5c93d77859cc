import 'reflect-metadata';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod, type DynamicModule, type Type } from '@nestjs/common';
import { CreateRouteBody, FleetLimits, ListTripsQuery, StartTripBody } from '@fleetlab/contracts';
import { createLogger } from '@fleetlab/telemetry';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppModule } from '../app.module';
import type { Config } from '../config';
import { UNDOCUMENTED_PATHS, buildOpenApiDocument, generateOpenApiDocument, operations } from './openapi';

type AnyModule = Type<unknown> | DynamicModule;

/** Every controller the app module reaches through its imports, as Nest would find them. */
function controllersOf(module: AnyModule, seen = new Set<unknown>()): Type<unknown>[] {
  const type = 'module' in module ? module.module : module;
  if (seen.has(type)) return [];
  seen.add(type);
  const dynamic = 'module' in module ? module : undefined;
  const controllers: Type<unknown>[] = [
    ...((Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, type) as Type<unknown>[] | undefined) ?? []),
    ...((dynamic?.controllers as Type<unknown>[] | undefined) ?? []),
  ];
  const imports = [
    ...((Reflect.getMetadata(MODULE_METADATA.IMPORTS, type) as AnyModule[] | undefined) ?? []),
    ...((dynamic?.imports as AnyModule[] | undefined) ?? []),
  ];
  for (const imported of imports) controllers.push(...controllersOf(imported, seen));
  return controllers;
}

/** `METHOD /path/{param}` for every handler of the app, from the decorators Nest routes by. */
function servedRoutes(): string[] {
  const app = AppModule.forRoot({ MONGO_URL: 'mongodb://127.0.0.1:1/unused', API_DB_TIMEOUT_MS: 1000 } as Config, createLogger('api-spec'));
  const routes: string[] = [];
  for (const controller of controllersOf(app)) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (typeof handler !== 'function' || name === 'constructor') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (method === undefined || path === undefined) continue;
      const full = `/${[base, path].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/').replace(/:(\w+)/g, '{$1}');
      routes.push(`${RequestMethod[method]} ${full}`);
    }
  }
  return routes.sort();
}

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument();

  it('documents every route the app serves, and only those', () => {
    const served = servedRoutes().filter((route) => !UNDOCUMENTED_PATHS.some((path) => route.endsWith(` ${path}`)));
    const documented = Object.entries(document.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(served.length).toBeGreaterThan(10);
    expect(documented).toEqual(served);
  });

  it('takes its bounds from the zod schemas the api validates with', () => {
    const changed = operations.map((operation) =>
      operation.method === 'post' && operation.path === '/trips'
        ? { ...operation, request: { body: { content: { 'application/json': { schema: StartTripBody.extend({ paceMs: z.number().int().min(1).max(5) }) } } } } }
        : operation,
    );
    const paceMs = (doc: typeof document) =>
      (doc.paths['/trips']!.post!.requestBody as { content: { 'application/json': { schema: { properties: Record<string, { maximum?: number }> } } } })
        .content['application/json'].schema.properties.paceMs;
    expect(paceMs(document)?.maximum).toBe(60_000);
    expect(paceMs(generateOpenApiDocument(changed))?.maximum).toBe(5);
  });

  it('gives each query parameter the bounds and default the query schema has', () => {
    const parameters = document.paths['/trips']!.get!.parameters as Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>;
    expect(parameters.map((p) => p.name).sort()).toEqual(Object.keys(ListTripsQuery.shape).sort());
    const limit = parameters.find((p) => p.name === 'limit')!;
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } });
    expect(ListTripsQuery.parse({}).limit).toBe(50);
  });

  it('says what a refinement enforces, so a generated valid body is one the api accepts', () => {
    const schema = (document.paths['/routes']!.post!.requestBody as { content: { 'application/json': { schema: Record<string, unknown> } } })
      .content['application/json'].schema;
    expect(schema.oneOf).toEqual([{ required: ['geometry'] }, { required: ['points'] }]);
    const example = schema.example;
    expect(CreateRouteBody.safeParse(example).success).toBe(true);
    expect(CreateRouteBody.safeParse({ title: 'x' }).success).toBe(false);
  });

  it('documents every error an operation can answer, with the 429 Retry-After header', () => {
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        // Answered from memory: no database call, so no 503.
        if (path === '/healthz' || path === '/readyz' || path === '/fleets/limits') continue;
        expect(Object.keys(operation.responses), `${method} ${path}`).toContain('503');
        if (operation.requestBody || operation.parameters?.some((p) => (p as { in: string }).in === 'query')) {
          expect(Object.keys(operation.responses), `${method} ${path}`).toContain('400');
        }
        if (path.includes('{id}')) expect(Object.keys(operation.responses), `${method} ${path}`).toContain('404');
      }
    }
    for (const [path, method] of [['/trips', 'post'], ['/fleets', 'post'], ['/routes/generate', 'post']] as const) {
      const refused = document.paths[path]![method]!.responses['429'] as { headers: Record<string, { required: boolean }> };
      expect(refused.headers['Retry-After']?.required, `${method} ${path}`).toBe(true);
    }
  });

  it('documents the admission caps GET /fleets/limits answers, apart from GET /fleets/{id}', () => {
    const limits = document.paths['/fleets/limits']!.get!.responses['200'] as { content: { 'application/json': { schema: { example: unknown; required: string[] } } } };
    const schema = limits.content['application/json'].schema;
    expect(schema.required.sort()).toEqual(['maxFleetVehicles', 'routesPerRequest', 'vehiclesOnRoad']);
    expect(FleetLimits.safeParse(schema.example).success).toBe(true);
    expect(document.paths['/fleets/{id}']!.get).toBeDefined();
  });

  it('answers [lng, lat] pairs as arrays of two numbers, and asks for them with each range', () => {
    const trip = JSON.stringify(document.paths['/trips/{id}']!.get!.responses);
    expect(trip).not.toContain('prefixItems');
    expect(JSON.stringify(document.paths['/routes']!.post!.requestBody)).toContain('"prefixItems":[{"type":"number","minimum":-180,"maximum":180}');
  });
});
