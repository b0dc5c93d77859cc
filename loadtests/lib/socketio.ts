/**
 * The minimum of socket.io v5 over engine.io v4 that a k6 WebSocket needs to watch a fleet, spoken by hand.
 * Pure: encodes and decodes text frames; the k6 scenario owns the socket.
 *
 * Protocol quirks worth knowing:
 * - One engine.io packet per WebSocket frame: the first character is the engine.io type (0 open, 1 close, 2 ping,
 *   3 pong, 4 message). A socket.io packet rides inside a message, so it starts with "4" and then its own type
 *   (0 connect, 1 disconnect, 2 event, 3 ack, 4 connect_error): "40" connects, "42[...]" is an event.
 * - In engine.io v4 the SERVER pings ("2") and the client must answer "3" within pingTimeout or be dropped.
 * - An event may carry an ack id between the type and the JSON: "421[...]" asks for ack 1; the answer is "431[...]".
 * - Binary attachments ("45", "46") are not used by fleetlab and are not supported here.
 */
export const ENGINE_IO_PATH = '/socket.io/?EIO=4&transport=websocket';

/** ws(s):// URL of the socket.io endpoint for an http(s) base URL. */
export function socketIoUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  const ws = trimmed.replace(/^http(s?):\/\//i, (_m, s: string) => `ws${s}://`);
  if (ws === trimmed && !/^wss?:\/\//i.test(ws)) throw new Error(`not an http(s) or ws(s) URL: ${baseUrl}`);
  return ws + ENGINE_IO_PATH;
}

export const CONNECT = '40';
export const PONG = '3';

/** "42[event, data]", or "42<ackId>[event, data]" when the server should answer. */
export function encodeEvent(event: string, data?: unknown, ackId?: number): string {
  const args = data === undefined ? [event] : [event, data];
  return `42${ackId === undefined ? '' : String(ackId)}${JSON.stringify(args)}`;
}

export type Decoded =
  | { kind: 'open'; sid: string; pingInterval: number; pingTimeout: number }
  | { kind: 'ping' }
  | { kind: 'pong' }
  | { kind: 'close' }
  | { kind: 'connect'; sid: string | undefined }
  | { kind: 'disconnect' }
  | { kind: 'event'; event: string; args: unknown[]; ackId: number | undefined }
  | { kind: 'ack'; ackId: number; args: unknown[] }
  | { kind: 'connect_error'; message: string }
  | { kind: 'unknown'; raw: string };

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Splits "<digits><json>" into the optional ack id and the JSON array. */
function idAndArray(rest: string): { id: number | undefined; arr: unknown[] | undefined } {
  const m = /^(\d*)([\s\S]*)$/.exec(rest)!;
  const arr = json(m[2]!);
  return { id: m[1] ? Number(m[1]) : undefined, arr: Array.isArray(arr) ? arr : undefined };
}

export function decode(frame: string): Decoded {
  const engineType = frame[0];
  if (engineType === '0') {
    const o = json(frame.slice(1)) as { sid?: string; pingInterval?: number; pingTimeout?: number } | undefined;
    return { kind: 'open', sid: o?.sid ?? '', pingInterval: o?.pingInterval ?? 25_000, pingTimeout: o?.pingTimeout ?? 20_000 };
  }
  if (engineType === '1') return { kind: 'close' };
  if (engineType === '2') return { kind: 'ping' };
  if (engineType === '3') return { kind: 'pong' };
  if (engineType !== '4') return { kind: 'unknown', raw: frame };
  const ioType = frame[1];
  // A namespace other than "/" would appear as "/ns," here; fleetlab uses only the default namespace.
  const rest = frame.slice(2);
  switch (ioType) {
    case '0': {
      const o = json(rest) as { sid?: string } | undefined;
      return { kind: 'connect', sid: o?.sid };
    }
    case '1':
      return { kind: 'disconnect' };
    case '2': {
      const { id, arr } = idAndArray(rest);
      if (!arr || typeof arr[0] !== 'string') return { kind: 'unknown', raw: frame };
      return { kind: 'event', event: arr[0], args: arr.slice(1), ackId: id };
    }
    case '3': {
      const { id, arr } = idAndArray(rest);
      if (id === undefined || !arr) return { kind: 'unknown', raw: frame };
      return { kind: 'ack', ackId: id, args: arr };
    }
    case '4': {
      const o = json(rest) as { message?: string } | undefined;
      return { kind: 'connect_error', message: o?.message ?? rest };
    }
    default:
      return { kind: 'unknown', raw: frame };
  }
}

/** Freshness in milliseconds of each position of a `positions` event: receive time − event time (`ts`). */
export function freshnessOf(positions: unknown, receivedAtMs: number): number[] {
  if (!Array.isArray(positions)) return [];
  const out: number[] = [];
  for (const p of positions) {
    const ts = p && typeof p === 'object' ? (p as { ts?: unknown }).ts : undefined;
    const t = typeof ts === 'string' ? Date.parse(ts) : NaN;
    if (Number.isFinite(t)) out.push(receivedAtMs - t);
  }
  return out;
}
