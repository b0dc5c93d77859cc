// The socket's connection as the user sees it, derived from socket.io's events by a pure transition function.

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Reconnection attempts since the last successful connect. */
  attempt: number;
  /** Why the last connection failed or ended. */
  detail?: string | undefined;
}

export type ConnectionEvent =
  | { type: 'connect' }
  | { type: 'connect_error'; message: string }
  | { type: 'disconnect'; reason: string }
  | { type: 'reconnect_attempt'; attempt: number }
  | { type: 'reconnect_failed' }
  | { type: 'offline'; reason: string };

export const initialConnection: ConnectionState = { status: 'connecting', attempt: 0 };

export function nextConnection(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  switch (event.type) {
    case 'connect':
      return { status: 'connected', attempt: 0 };
    case 'connect_error':
      // socket.io keeps retrying after a failed attempt, so this is "reconnecting" unless we gave up.
      return state.status === 'disconnected'
        ? { ...state, detail: event.message }
        : { status: 'reconnecting', attempt: state.attempt, detail: event.message };
    case 'disconnect':
      // Only our own disconnect() is final; the server dropping us or a transport error is retried.
      return event.reason === 'io client disconnect'
        ? { status: 'disconnected', attempt: 0, detail: 'closed by the page' }
        : { status: 'reconnecting', attempt: state.attempt, detail: event.reason };
    case 'reconnect_attempt':
      return { status: 'reconnecting', attempt: event.attempt, detail: state.detail };
    case 'reconnect_failed':
      return { status: 'disconnected', attempt: state.attempt, detail: state.detail ?? 'gave up reconnecting' };
    case 'offline':
      return { status: 'disconnected', attempt: 0, detail: event.reason };
  }
}
