import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace, type Context, type SpanContext } from '@opentelemetry/api';

const tracer = trace.getTracer('api');

/**
 * The context a fleet's trip starts in. A fleet is one request but thousands of trips, and a trip is one story, so
 * each trip gets a trace of its own linked to the fleet's request, not a child of it: the first `traced` trips as a
 * real `fleet.trip` root span, the rest as an unsampled context that tells every downstream service not to record
 * them (parent-based sampling). Telemetry then costs the same for 20 vehicles as for 20,000.
 */
export function fleetTripContext(
  index: number,
  traced: number,
  attributes: { tripId: string; fleetId: string; routeId: string; vehicleId: string },
  fleetRequest: SpanContext | undefined,
): Context {
  if (index < traced) {
    const span = tracer.startSpan(
      'fleet.trip',
      {
        root: true,
        kind: SpanKind.INTERNAL,
        links: fleetRequest ? [{ context: fleetRequest, attributes: { 'fleetlab.link': 'fleet request' } }] : [],
        attributes: {
          'fleetlab.trip.id': attributes.tripId,
          'fleetlab.fleet.id': attributes.fleetId,
          'fleetlab.route.id': attributes.routeId,
          'fleetlab.vehicle.id': attributes.vehicleId,
          'fleetlab.fleet.index': index,
        },
      },
      ROOT_CONTEXT,
    );
    // It only marks where the trip's trace begins; the send and everything after are its descendants.
    span.end();
    return trace.setSpan(ROOT_CONTEXT, span);
  }
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: TraceFlags.NONE,
  });
}
