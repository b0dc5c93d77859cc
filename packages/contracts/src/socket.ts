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
