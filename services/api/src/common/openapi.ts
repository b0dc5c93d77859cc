/**
 * The api's OpenAPI document, generated from the zod schemas in @fleetlab/contracts that the api validates with:
 * a bound changed there changes the validation and the document together. Every route the Nest app serves is listed
 * here (openapi.spec.ts checks it against the controllers), with every answer it can give.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  AdmissionRefusal,
  ApiError,
  CreateFleetBody,
  CreateRouteBody,
  DatabaseUnavailable,
  FleetCancelled,
  FleetCreated,
  FleetLimits,
  FleetView,
  GenerateRoutesBody,
  GeneratedRoutes,
  ListTripsQuery,
  Liveness,
  Readiness,
  Route,
  RouteList,
  StartTripBody,
  TripList,
  TripPositions,
  TripStarted,
  TripView,
} from '@fleetlab/contracts';
import { z } from 'zod';

// The contracts extend their zod; this is the api's (the same one when both load it as CommonJS, as in production).
extendZodWithOpenApi(z);

/** The generated document, typed as far as the api reads it: its paths, for the 405 middleware and the spec. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, { parameters?: unknown[]; requestBody?: unknown; responses: Record<string, unknown> }>>;
  [key: string]: unknown;
}

type Responses = RouteConfig['responses'];

const json = (schema: z.ZodTypeAny) => ({ content: { 'application/json': { schema } } });

const IdParam = z.object({ id: z.string() });

/** Answers every operation that reads or writes the database can give. */
const common: Responses = {
  503: { description: 'the database did not answer within API_DB_TIMEOUT_MS', ...json(DatabaseUnavailable) },
};
const badRequest: Responses = { 400: { description: 'the body or query is invalid; `fields` names each bad field', ...json(ApiError) } };
const notFound = (description: string): Responses => ({ 404: { description, ...json(ApiError) } });
const conflict = (description: string): Responses => ({ 409: { description, ...json(ApiError) } });
const refused = (description: string): Responses => ({
  429: {
    description: `${description}; Retry-After says when to try again`,
    headers: z.object({ 'Retry-After': z.string().regex(/^[0-9]+$/).openapi({ description: 'seconds to wait before asking again' }) }),
    ...json(AdmissionRefusal),
  },
});
const body = (schema: z.ZodTypeAny) => ({ body: { required: true, ...json(schema) } });

/** Every operation of the api, as the controllers serve it. */
export const operations: RouteConfig[] = [
  {
    method: 'get', path: '/routes', tags: ['routes'], summary: 'Route summaries (no points)',
    responses: { 200: { description: 'the routes', ...json(RouteList) }, ...common },
  },
  {
    method: 'get', path: '/routes/{id}', tags: ['routes'], summary: 'One route with its points',
    request: { params: IdParam },
    responses: { 200: { description: 'the route', ...json(Route) }, ...notFound('unknown route'), ...common },
  },
  {
    method: 'post', path: '/routes', tags: ['routes'], summary: 'Create a route from a GeoJSON LineString or a list of [lng, lat] points',
    request: body(CreateRouteBody),
    responses: { 201: { description: 'the route as stored', ...json(Route) }, ...badRequest, ...conflict('the id exists'), ...common },
  },
  {
    method: 'post', path: '/routes/generate', tags: ['routes'], summary: 'Generate street-like routes gen-<seed>-<i>, deterministically; idempotent',
    request: body(GenerateRoutesBody),
    responses: {
      201: { description: 'the generated routes', ...json(GeneratedRoutes) },
      ...badRequest,
      ...refused('count above API_MAX_ROUTES_PER_REQUEST; the body names the cap'),
      ...common,
    },
  },
  {
    method: 'post', path: '/trips', tags: ['trips'], summary: 'Start a trip: stores it requested and sends route.new-direction',
    request: body(StartTripBody),
    responses: {
      202: { description: 'the trip, requested', ...json(TripStarted) },
      ...badRequest,
      ...notFound('unknown route; nothing produced'),
      ...refused('API_MAX_VEHICLES_ON_ROAD vehicles already on the road'),
      ...common,
    },
  },
  {
    method: 'get', path: '/trips', tags: ['trips'], summary: 'Trips, newest first',
    description:
      "A fleet's trips come highest vehicle first. With `status` and no `fleetId`, trips outside fleets are examined up to 1000 per request; past that, `total` counts those examined.",
    request: { query: ListTripsQuery },
    responses: { 200: { description: 'a page of trips', ...json(TripList) }, ...badRequest, ...common },
  },
  {
    method: 'get', path: '/trips/{id}', tags: ['trips'], summary: 'One trip with its progress (count / total)',
    request: { params: IdParam },
    responses: { 200: { description: 'the trip', ...json(TripView) }, ...notFound('unknown trip'), ...common },
  },
  {
    method: 'get', path: '/trips/{id}/positions', tags: ['trips'], summary: 'The stored positions of a trip, in seq order',
    request: { params: IdParam },
    responses: { 200: { description: 'the positions', ...json(TripPositions) }, ...notFound('unknown trip'), ...common },
  },
  {
    method: 'delete', path: '/trips/{id}', tags: ['trips'], summary: 'Cancel a trip that has not finished; sends route.cancel',
    request: { params: IdParam },
    responses: {
      202: { description: 'the trip, cancelled', ...json(TripView) },
      ...notFound('unknown trip'),
      ...conflict('the trip already finished'),
      ...common,
    },
  },
  {
    method: 'post', path: '/fleets', tags: ['fleets'], summary: 'Start a fleet: one trip per vehicle, directions sent in batches',
    request: body(CreateFleetBody),
    responses: {
      202: { description: 'the fleet, started', ...json(FleetCreated) },
      ...badRequest,
      ...notFound('an unknown route id; nothing produced'),
      ...refused('the fleet would put more than API_MAX_VEHICLES_ON_ROAD vehicles on the road'),
      ...common,
    },
  },
  {
    method: 'get', path: '/fleets/limits', tags: ['fleets'],
    summary: 'The admission caps of this api instance and the vehicles on its road now (memory only, never the database)',
    responses: { 200: { description: 'the caps', ...json(FleetLimits) } },
  },
  {
    method: 'get', path: '/fleets/{id}', tags: ['fleets'], summary: 'A fleet and its trips counted by status',
    request: { params: IdParam },
    responses: { 200: { description: 'the fleet', ...json(FleetView) }, ...notFound('unknown fleet'), ...common },
  },
  {
    method: 'delete', path: '/fleets/{id}', tags: ['fleets'], summary: 'Cancel every unfinished trip of a fleet; sends one route.cancel {fleetId}',
    request: { params: IdParam },
    responses: { 202: { description: 'the fleet, cancelled', ...json(FleetCancelled) }, ...notFound('unknown fleet'), ...common },
  },
  {
    method: 'get', path: '/healthz', tags: ['health'],
    summary: 'Liveness: the process serves HTTP and nothing in it has given up (a crashed gateway consumer)',
    responses: { 200: { description: 'live', ...json(Liveness) }, 503: { description: 'not live; `problems` says why', ...json(Liveness) } },
  },
  {
    method: 'get', path: '/readyz', tags: ['health'],
    summary: 'Readiness: MongoDB answers, the producer is connected, the gateway consumer is in its group',
    responses: { 200: { description: 'ready', ...json(Readiness) }, 503: { description: 'not ready; `notReady` says what', ...json(Readiness) } },
  },
];

/** Paths the app serves that are not part of the api: Prometheus' text format, and the document itself. */
export const UNDOCUMENTED_PATHS = ['/metrics', '/docs', '/docs-json'] as const;

/**
 * The api only answers `[lng, lat]` pairs it validated on the way in; schemathesis 4.32 cannot read `prefixItems`
 * in response schemas ("is not of types boolean, object"), so an answer's pair keeps its length and item type and
 * drops the per-item ranges. Requests keep `prefixItems`, so a generated valid pair is one the api accepts.
 */
function withoutPrefixItems(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutPrefixItems);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'prefixItems' && Array.isArray(value)) {
      const types = new Set(value.map((item: { type?: unknown }) => item.type));
      if (types.size === 1) out.items = { type: [...types][0] };
      continue;
    }
    out[key] = withoutPrefixItems(value);
  }
  return out;
}

/** The api's document. */
export function buildOpenApiDocument(): OpenApiDocument {
  return generateOpenApiDocument(operations);
}

/** The document of `routes`; exported so a spec can show that a schema's change is the document's. */
export function generateOpenApiDocument(routes: readonly RouteConfig[]): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  for (const operation of routes) registry.registerPath(operation);
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    // 3.1 for JSON Schema's prefixItems: a [lng, lat] pair with each its own range.
    openapi: '3.1.0',
    info: {
      title: 'fleetlab api',
      description: 'Routes, trips and fleets of the fleetlab delivery simulation. Events: see docs/architecture.md.',
      version: '0.1.0',
    },
  }) as unknown as OpenApiDocument;
  for (const methods of Object.values(document.paths)) {
    for (const operation of Object.values(methods)) operation.responses = withoutPrefixItems(operation.responses) as typeof operation.responses;
  }
  return document;
}
