import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { MONGO_CONNECT_TIMEOUT_MS } from '@fleetlab/runtime';
import type { Logger } from '@fleetlab/telemetry';
import type { Config } from './config';
import { ConfigModule } from './config.module';
import { FleetsModule } from './fleets/fleets.module';
import { HealthModule } from './health/health.module';
import { KafkaModule } from './kafka/kafka.module';
import { MetricsModule } from './metrics/metrics.module';
import { PositionsModule } from './positions/positions.module';
import { RoutesModule } from './routes/routes.module';
import { TripsModule } from './trips/trips.module';

@Module({})
export class AppModule {
  static forRoot(config: Config, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, logger),
        MongooseModule.forRoot(config.MONGO_URL, {
          // Indexes are created explicitly where they are owned; FerretDB and MongoDB both accept them.
          autoIndex: false,
          serverSelectionTimeoutMS: 5000,
          // Bounds a heartbeat too, which the monitor watch counts on (packages/runtime/src/mongo-monitor.ts).
          connectTimeoutMS: MONGO_CONNECT_TIMEOUT_MS,
          // The client-side bound on every call (a server that ignores maxTimeMS, a wedged connection): past it the
          // connection is dropped and the request answered 503 (common/database-errors.ts). No read is retried, so
          // a request waits one timeout at most, never two.
          socketTimeoutMS: config.API_DB_TIMEOUT_MS,
          retryReads: false,
          // Opened without waiting, so the HTTP server answers while MongoDB comes up: DatabaseStartupService awaits
          // and retries it, and /readyz says so meanwhile.
          lazyConnection: true,
        }),
        MetricsModule,
        KafkaModule,
        RoutesModule,
        TripsModule,
        FleetsModule,
        PositionsModule,
        HealthModule,
      ],
    };
  }
}
