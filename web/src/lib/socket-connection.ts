// socket.io listeners receive whatever the server sends; their parameter lists are typed where they are registered.
/* eslint-disable @typescript-eslint/no-explicit-any */
// The one socket.io connection to the api: its state for the badge, acks with a timeout, and a hook to
// re-subscribe after every (re)connect, since a new socket id has lost every room of the old one.
import { io } from 'socket.io-client';
import { Observable } from './observable';
import { initialConnection, nextConnection, type ConnectionEvent, type ConnectionState } from './connection-state';

/** What the app uses of a socket.io client socket; tests pass a fake. */
export interface SocketLike {
  readonly connected: boolean;
  readonly id?: string | undefined;
  on(event: string, listener: (...args: any[]) => void): unknown;
  emit(event: string, ...args: any[]): unknown;
  connect(): unknown;
  disconnect(): unknown;
  /** The manager, which reports reconnection attempts. */
  readonly io?: { on(event: string, listener: (...args: any[]) => void): unknown };
}

export type SocketFactory = (apiUrl: string) => SocketLike;

export const socketIoFactory: SocketFactory = (apiUrl) =>
  io(apiUrl, {
    // WebSocket first, long-polling if a proxy refuses the upgrade.
    transports: ['websocket', 'polling'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5_000,
  }) as unknown as SocketLike;

export class SocketConnection {
  readonly state = new Observable<ConnectionState>(initialConnection);
  private readonly onConnectHooks = new Set<() => void>();

  constructor(readonly socket: SocketLike) {
    socket.on('connect', () => {
      this.transition({ type: 'connect' });
      for (const hook of this.onConnectHooks) hook();
    });
    socket.on('connect_error', (error: Error) => this.transition({ type: 'connect_error', message: error.message }));
    socket.on('disconnect', (reason: string) => {
      this.transition({ type: 'disconnect', reason });
      // socket.io does not retry after the server closed us on purpose; we do, the api may just be restarting.
      if (reason === 'io server disconnect') socket.connect();
    });
    socket.io?.on('reconnect_attempt', (attempt: number) => this.transition({ type: 'reconnect_attempt', attempt }));
    socket.io?.on('reconnect_failed', () => this.transition({ type: 'reconnect_failed' }));
    if (socket.connected) this.transition({ type: 'connect' });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Runs on every connect, the first one included. */
  onConnect(hook: () => void): () => void {
    this.onConnectHooks.add(hook);
    return () => this.onConnectHooks.delete(hook);
  }

  on(event: string, listener: (...args: any[]) => void): void {
    this.socket.on(event, listener);
  }

  emit(event: string, payload: unknown): void {
    this.socket.emit(event, payload);
  }

  /** Emits and waits for the api's ack; rejects when not connected or no answer comes in time. */
  request<T>(event: string, payload: unknown, timeoutMs = 10_000): Promise<T> {
    if (!this.socket.connected) {
      return Promise.reject(new Error(`not connected to the api (${this.state.get().status}); try again once connected`));
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${event}: no answer from the api within ${timeoutMs / 1000} s`)), timeoutMs);
      this.socket.emit(event, payload, (answer: T) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
  }

  reconnect(): void {
    this.transition({ type: 'reconnect_attempt', attempt: 1 });
    this.socket.connect();
  }

  close(): void {
    this.socket.disconnect();
  }

  markOffline(reason: string): void {
    this.transition({ type: 'offline', reason });
  }

  private transition(event: ConnectionEvent): void {
    this.state.set(nextConnection(this.state.get(), event));
  }
}
