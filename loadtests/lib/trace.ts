/**
 * W3C Trace Context for load requests: a fresh `traceparent` per request with the sampled flag set, so every load
 * request roots (or joins) a sampled trace and load shows up in Jaeger. Pure: the caller supplies random bytes.
 */
export const TRACEPARENT = 'traceparent';

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** version 00, 16-byte trace id, 8-byte parent id, flags 01 (sampled). All-zero ids are invalid, so never produced. */
export function traceparent(randomBytes: (n: number) => Uint8Array): string {
  let traceId = hex(randomBytes(16));
  let spanId = hex(randomBytes(8));
  if (/^0+$/.test(traceId)) traceId = traceId.slice(0, -1) + '1';
  if (/^0+$/.test(spanId)) spanId = spanId.slice(0, -1) + '1';
  return `00-${traceId}-${spanId}-01`;
}

export const TRACEPARENT_PATTERN = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

/** Random bytes from Math.random: enough for trace ids, available in every runtime. */
export function mathRandomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256);
  return out;
}
