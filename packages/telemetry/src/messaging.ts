import {
  ROOT_CONTEXT,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';

/** kafkajs header values arrive as Buffers, or arrays of them. */
type KafkaHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

const headerGetter: TextMapGetter<KafkaHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (value === undefined) return undefined;
    if (Array.isArray(value)) return value.map((v) => v.toString());
    return value.toString();
  },
};

/** The context a Kafka message was produced in (W3C trace context in its headers), or the root context. */
export function extractMessageContext(headers: KafkaHeaders | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT;
}

/** Trace context headers that make `span` the parent of whatever reads the message. */
export function traceHeaders(span: Span): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return carrier;
}

/** Messaging semantic-convention attributes of one Kafka message. */
export function kafkaAttributes(
  operation: 'send' | 'process' | 'receive',
  topic: string,
  key?: string,
  extra: Attributes = {},
): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
    'messaging.destination.name': topic,
    ...(key === undefined ? {} : { 'messaging.kafka.message.key': key }),
    ...extra,
  };
}
