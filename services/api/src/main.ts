import 'reflect-metadata';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { MongoMonitorWatch, onShutdown } from '@fleetlab/runtime';
import { createLogger } from '@fleetlab/telemetry';
import { AppModule } from './app.module';
import { corsOrigin, loadConfig } from './config';
import { DatabaseErrorsFilter } from './common/database-errors';
import { NestPinoLogger } from './common/logger';
import { methodNotAllowed } from './common/method-not-allowed';
import { buildOpenApiDocument } from './common/openapi';
import { ApiMetrics } from './metrics/api-metrics';
import { httpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { ConfiguredIoAdapter } from './positions/socket-io.adapter';
import { HttpFaults } from './faults/http-fault';
import { GatewayConsumerService } from './positions/gateway-consumer.service';

const BODY_LIMIT = '2mb';

/** Body-parser failures (malformed JSON, too large) happen before Nest routing: answer them in the API's error shape. */
function bodyErrorHandler(
  error: { status?: number; statusCode?: number; type?: string; message?: string },
  _req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
): void {
  const status = error.status ?? error.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) {
    next(error);
    return;
  }
  const message =
    error.type === 'entity.parse.failed'
      ? `malformed JSON body: ${error.message ?? ''}`.trim()
      : error.type === 'entity.too.large'
        ? `body larger than ${BODY_LIMIT}`
        : (error.message ?? 'bad request');
  const body = { statusCode: status, error: status === 413 ? 'Payload Too Large' : 'Bad Request', message };
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', { level: config.LOG_LEVEL });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    logger: new NestPinoLogger(logger),
    bodyParser: false,
  });
  app.disable('x-powered-by');
  app.useGlobalFilters(new DatabaseErrorsFilter(config.API_DB_TIMEOUT_MS, app.get(HttpAdapterHost).httpAdapter));
  const metrics = app.get(ApiMetrics);
  // Order matters: metrics first (sees every request), then the parser and its error handler, then Nest's routes.
  app.use(httpMetricsMiddleware(metrics, logger));
  // Chaos experiments' HTTP faults (docs/chaos.md): only with FAULT_INJECTION_PORT, set from 127.0.0.1 only.
  const faults = config.FAULT_INJECTION_PORT > 0 ? new HttpFaults(logger) : undefined;
  if (faults) app.use(faults.middleware());
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.use(bodyErrorHandler);
  app.enableCors({ origin: corsOrigin(config) });
  app.useWebSocketAdapter(new ConfiguredIoAdapter(app, corsOrigin(config)));

  // Generated from the zod schemas the api validates with (common/openapi.ts); Swagger UI only serves it.
  const document = buildOpenApiDocument();
  SwaggerModule.setup('docs', app, document as unknown as OpenAPIObject, { jsonDocumentUrl: 'docs-json' });
  // Before the routes: a documented path asked with another method is a 405 naming the allowed ones, not a 404.
  app.use(methodNotAllowed(document.paths));

  const faultServer = faults ? await faults.listen(config.FAULT_INJECTION_PORT) : undefined;

  const giveUp = onShutdown(logger, [
    // Stop intake of positions, then close HTTP and sockets; the producer is flushed and MongoDB closed by their
    // shutdown hooks, which Nest runs after the server has closed.
    () => app.get(GatewayConsumerService).stop(),
    () => app.close(),
    () => new Promise<void>((resolve) => (faultServer ? faultServer.close(() => resolve()) : resolve())),
  ]);

  // A MongoDB client whose server monitor is wedged never finds the database again: stop, to be started afresh.
  new MongoMonitorWatch(app.get<Connection>(getConnectionToken()).getClient()).start(giveUp);

  await app.listen(config.PORT, config.HOST);
  logger.info({ host: config.HOST, port: config.PORT }, 'api listening');
}

bootstrap().catch((error: unknown) => {
  const logger = createLogger('api');
  logger.fatal({ err: error }, 'api failed to start');
  process.exit(1);
});
