import { z } from './openapi-zod';
import { LngLat } from './messages';

/** A route as the api serves it and the simulator plays it. */
export const Route = z.object({
  id: z.string().min(1),
  title: z.string(),
  startPosition: LngLat,
  endPosition: LngLat,
  points: z.array(LngLat).min(2),
});
export type Route = z.infer<typeof Route>;

/** Trip lifecycle as the consumer stores it and the api reports it. */
export const TripStatus = z.enum(['requested', 'running', 'finished', 'cancelled']);
export type TripStatus = z.infer<typeof TripStatus>;
