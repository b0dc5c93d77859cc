// Test doubles for specs: a socket.io socket driven by the test, a frame scheduler run by hand, a JSON fetch.
import type { SocketLike } from '../lib/socket-connection';
import type { FrameScheduler } from '../lib/position-buffer';

export interface Emitted {
  event: string;
  payload: unknown;
  ack?: ((answer: unknown) => void) | undefined;
}

export class FakeSocket implements SocketLike {
  connected = false;
  id: string | undefined = undefined;
  readonly emitted: Emitted[] = [];
  private readonly handlers = new Map<string, Array<(...args: any[]) => void>>();
  private readonly managerHandlers = new Map<string, Array<(...args: any[]) => void>>();
  readonly io = {
    on: (event: string, listener: (...args: any[]) => void) => {
      this.managerHandlers.set(event, [...(this.managerHandlers.get(event) ?? []), listener]);
    },
  };

  on(event: string, listener: (...args: any[]) => void): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), listener]);
    return this;
  }

  emit(event: string, payload?: unknown, ack?: (answer: unknown) => void): this {
    this.emitted.push({ event, payload, ack });
    return this;
  }

  connect(): this {
    return this;
  }

  disconnect(): this {
    this.connected = false;
    this.fire('disconnect', 'io client disconnect');
    return this;
  }

  /** The server side: deliver an event to the page. */
  fire(event: string, ...args: unknown[]): void {
    for (const h of this.handlers.get(event) ?? []) h(...args);
  }

  fireManager(event: string, ...args: unknown[]): void {
    for (const h of this.managerHandlers.get(event) ?? []) h(...args);
  }

  open(id = 'socket-1'): void {
    this.connected = true;
    this.id = id;
    this.fire('connect');
  }

  last(event: string): Emitted | undefined {
    return [...this.emitted].reverse().find((e) => e.event === event);
  }
}

export class ManualFrames {
  private queue: Array<() => void> = [];
  readonly schedule: FrameScheduler = (cb) => {
    this.queue.push(cb);
  };
  get pending(): number {
    return this.queue.length;
  }
  run(): void {
    const queue = this.queue;
    this.queue = [];
    for (const cb of queue) cb();
  }
}

export function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** A fetch answering by "METHOD /path"; anything else is a 404 in the api's error shape. */
export function fakeFetch(routes: Record<string, (body: unknown) => Response>) {
  const calls: Array<{ method: string; path: string; body: unknown }> = [];
  const fn = async (input: string, init?: RequestInit): Promise<Response> => {
    const url = new URL(input);
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({ method, path: url.pathname, body });
    const handler = routes[`${method} ${url.pathname}`];
    if (handler) return handler(body);
    return jsonResponse(404, { statusCode: 404, error: 'Not Found', message: `Cannot ${method} ${url.pathname}` });
  };
  return { fn, calls };
}
