import { RequestId } from './http';
import { z } from './openapi-zod';

/**
 * What a socket.io event's ack carries when the api refuses it: a stable code to branch on and a message fit for
 * the browser. Internal error text (a database's, a client library's) never reaches it: that goes to the api's log.
 */
export const SocketErrorCodes = {
  /** The payload is not what the event takes; the message names the fields. */
  invalidPayload: 'invalid_payload',
  /** The trip's route does not exist. */
  routeNotFound: 'route_not_found',
  /** The api cannot take it right now (Kafka not connected); try again. */
  unavailable: 'unavailable',
  /** Anything else; the api logged it. */
  internal: 'internal',
} as const;
export type SocketErrorCode = (typeof SocketErrorCodes)[keyof typeof SocketErrorCodes];

export interface SocketError {
  error: string;
  code: SocketErrorCode;
}

/** Longest message an ack carries: a payload with thousands of bad fields gets the first ones named, not a megabyte. */
export const MAX_SOCKET_ERROR_LENGTH = 300;

export function socketError(code: SocketErrorCode, message: string): SocketError {
  const error = message.length > MAX_SOCKET_ERROR_LENGTH ? `${message.slice(0, MAX_SOCKET_ERROR_LENGTH - 1)}…` : message;
  return { error, code };
}

/** The socket.io events of the api's default namespace: what the browser emits, and what it is sent. */
export const SocketEvents = {
  /** Start a trip: payload `StartTripBody`, ack `DirectionAck`. */
  newDirection: 'new-direction',
  /** Join or leave a trip's room: payload `TripSubscription`, ack `SubscriptionAck`. */
  subscribeTrip: 'subscribe-trip',
  unsubscribeTrip: 'unsubscribe-trip',
  /** Join or leave a fleet's room, or every fleet's without `fleetId`: payload `FleetSubscription`, ack `SubscriptionAck`. */
  subscribeFleet: 'subscribe-fleet',
  unsubscribeFleet: 'unsubscribe-fleet',
  /** To a trip's room and the socket that asked for it: one position (`AnyPosition`). */
  newPosition: 'new-position',
  /** To a fleet's room: the positions of a flush interval (`NewPosition[]`). */
  positions: 'positions',
} as const;
export type SocketEvent = (typeof SocketEvents)[keyof typeof SocketEvents];

export const TripSubscription = z.object({ tripId: RequestId });
export type TripSubscription = z.infer<typeof TripSubscription>;
export const FleetSubscription = z.object({ fleetId: RequestId.optional() });
export type FleetSubscription = z.infer<typeof FleetSubscription>;

/** The ack of `new-direction`: the trip started, or why not. */
export type DirectionAck = { tripId: string } | SocketError;
/** The ack of a (un)subscribe: the room joined or left, or why not. */
export type SubscriptionAck = { ok: true; room: string } | SocketError;

export function isSocketError(ack: unknown): ack is SocketError {
  return typeof ack === 'object' && ack !== null && typeof (ack as { error?: unknown }).error === 'string' && typeof (ack as { code?: unknown }).code === 'string';
}
