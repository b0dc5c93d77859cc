import { ROOT_CONTEXT, propagation, trace, type Context, type Span, type TextMapGetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

/** Reads W3C trace context from kafkajs headers, whose values arrive as Buffers (or arrays of them). */
export const kafkaHeaderGetter: TextMapGetter<IHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (value === undefined) return undefined;
    if (Array.isArray(value)) return value.map((v) => v.toString());
    return value.toString();
  },
};

/** The context a message was produced in, or the root context when it carries none. */
export function extractContext(headers: IHeaders): Context {
  return propagation.extract(ROOT_CONTEXT, headers, kafkaHeaderGetter);
}

/** Headers that make a span the parent of whatever reads the message. Empty when telemetry is off. */
export function spanHeaders(span: Span): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return carrier;
}
