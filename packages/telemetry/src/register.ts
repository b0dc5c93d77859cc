/**
 * Zero-code telemetry bootstrap, loaded before the application with `node -r @fleetlab/telemetry/register`.
 * Configured by the standard OTEL_* variables (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_SAMPLER, ...);
 * OTEL_SDK_DISABLED=true turns it off, which the benchmark uses to measure what telemetry costs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SDK_KEY } from './shutdown';

function serviceVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

if (process.env.OTEL_SDK_DISABLED !== 'true') {
  const sdk = new NodeSDK({
    // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME still win: the SDK merges env detectors over these.
    resource: resourceFromAttributes({
      'service.namespace': 'fleetlab',
      'service.version': serviceVersion(),
      'deployment.environment.name': process.env.FLEETLAB_ENVIRONMENT ?? 'local',
    }),
    instrumentations: [
      getNodeAutoInstrumentations({
        // File system and DNS spans drown a trip's story in noise.
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        // Kafka is traced by hand (packages/runtime, the simulator): the auto-instrumentation starts a new trace for
        // every fetched batch and parents every message of a send on whatever is active, which breaks a trip's story
        // when one batch carries thousands of trips, and costs a span per message even for untraced trips.
        '@opentelemetry/instrumentation-kafkajs': { enabled: false },
        '@opentelemetry/instrumentation-http': {
          ignoreIncomingRequestHook: (req) => req.url === '/metrics' || req.url === '/healthz' || req.url === '/readyz',
        },
      }),
    ],
  });
  sdk.start();
  (globalThis as Record<symbol, unknown>)[SDK_KEY] = sdk;
}
