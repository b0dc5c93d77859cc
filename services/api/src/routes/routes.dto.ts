/** Route request bodies: their schemas are in @fleetlab/contracts (http.ts); here, what the api makes of them. */
import { CreateRouteBody, GenerateRoutesBody, LineString, MAX_ROUTE_POINTS, RouteId, type Route } from '@fleetlab/contracts';
import { z } from 'zod';

export { CreateRouteBody, GenerateRoutesBody, LineString, MAX_ROUTE_POINTS };

/** The route a valid create body describes; the id is the given one or `fallbackId`. */
export function routeFromBody(body: CreateRouteBody, fallbackId: string): Route {
  const points = body.geometry?.coordinates ?? body.points ?? [];
  return {
    id: body.id ?? fallbackId,
    title: body.title,
    startPosition: points[0]!,
    endPosition: points[points.length - 1]!,
    points,
  };
}

/** GeoJSON seed file: a FeatureCollection of LineStrings with `properties.id` and `properties.title`. */
export const RouteFeatureCollection = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      properties: z.object({ id: RouteId, title: z.string() }),
      geometry: LineString,
    }),
  ),
});

export function routesFromGeoJson(json: unknown): Route[] {
  const collection = RouteFeatureCollection.parse(json);
  return collection.features.map((feature) => {
    const points = feature.geometry.coordinates;
    return {
      id: feature.properties.id,
      title: feature.properties.title,
      startPosition: points[0]!,
      endPosition: points[points.length - 1]!,
      points,
    };
  });
}
