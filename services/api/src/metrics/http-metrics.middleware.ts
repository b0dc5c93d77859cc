import { context } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { traceExemplar, type Logger } from '@fleetlab/telemetry';
import type { ApiMetrics } from './api-metrics';

/** What express adds to a request that this middleware reads. */
interface RoutedRequest extends IncomingMessage {
  route?: { path?: unknown };
  baseUrl?: string;
}

const OPS_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/** The matched route template (`/trips/:id`), or `unmatched` for 404s and requests that failed before routing. */
export function routeLabel(req: RoutedRequest): string {
  const path = req.route?.path;
  if (typeof path !== 'string') return 'unmatched';
  return `${req.baseUrl ?? ''}${path}` || '/';
}

/**
 * Express middleware, installed before every route: on `finish` it counts the request, observes its duration with a
 * trace exemplar and writes one log line. It runs on `finish` because only then is the route matched and the status
 * known, including for 404s, body-parser failures and exceptions mapped by Nest.
 */
export function httpMetricsMiddleware(metrics: ApiMetrics, logger: Logger) {
  return (req: RoutedRequest, res: ServerResponse, next: () => void): void => {
    const started = process.hrtime.bigint();
    // `finish` fires outside the request's context; the request span must stay active for the exemplar and log line.
    const requestContext = context.active();
    res.on('finish', () => context.with(requestContext, () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method ?? 'UNKNOWN', route: routeLabel(req), status_code: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe({ labels, value: seconds, exemplarLabels: traceExemplar() });
      const line = { method: labels.method, route: labels.route, status: res.statusCode, durationMs: Math.round(seconds * 1e4) / 10 };
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (OPS_PATHS.has(path)) logger.debug(line, 'request');
      else logger.info(line, 'request');
    }));
    next();
  };
}
