import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@fleetlab/telemetry';
import { AppConfig, type Config } from './config';
import { LOGGER } from './common/logger';

/** Provides the config parsed once in main.ts and the service logger to every module. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: Config, logger: Logger): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: LOGGER, useValue: logger },
      ],
      exports: [AppConfig, LOGGER],
    };
  }
}
