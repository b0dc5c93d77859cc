import { trace } from '@opentelemetry/api';
import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * The one logger factory. Every line is JSON; a line written inside a span carries its trace_id and span_id,
 * whether or not the pino instrumentation is loaded (it is not when telemetry is disabled).
 */
export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  return pino({
    level: options.level ?? 'info',
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId, traceFlags } = span.spanContext();
      return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
    },
    ...options,
  });
}
