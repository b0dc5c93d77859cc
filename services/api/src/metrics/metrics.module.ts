import { Global, Module } from '@nestjs/common';
import { createRegistry } from '@fleetlab/telemetry';
import { ApiMetrics } from './api-metrics';
import { MetricsController } from './metrics.controller';

@Global()
@Module({
  providers: [{ provide: ApiMetrics, useFactory: () => new ApiMetrics(createRegistry('api')) }],
  controllers: [MetricsController],
  exports: [ApiMetrics],
})
export class MetricsModule {}
