import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { StartUp } from '@fleetlab/runtime';
import type { Logger } from '@fleetlab/telemetry';
import { AppConfig } from '../config';
import { LOGGER } from '../common/logger';
import { RoutesService } from '../routes/routes.service';
import { TripsService } from '../trips/trips.service';

const CONNECTED = 1;

/**
 * The api's MongoDB start-up, the way every service starts (packages/runtime/src/startup.ts): the connection is
 * opened lazily (AppModule), so the HTTP server answers /healthz at once; here it is awaited and retried every 2 s,
 * then the trips' indexes and the seed routes are put in place. /readyz names the step until it is done.
 */
@Injectable()
export class DatabaseStartupService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly startUp: StartUp;
  private attempts = 0;

  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly routes: RoutesService,
    private readonly trips: TripsService,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.startUp = new StartUp(logger);
    // The lazy first attempt's failure is the first step's to report: handled here, so it is never an unhandled rejection.
    connection.asPromise().catch(() => undefined);
  }

  onApplicationBootstrap(): void {
    void this.startUp
      .run([
        { name: 'mongodb', run: () => this.connect() },
        { name: 'mongodb indexes', run: () => this.trips.createIndexes() },
        { name: 'seed routes', run: () => this.routes.seed() },
      ])
      .then((started) => started && this.logger.info('database ready: indexes and seed routes in place'));
  }

  /** The step start-up waits for, or undefined once the database is ready. */
  pending(): string | undefined {
    return this.startUp.pending();
  }

  onApplicationShutdown(): void {
    this.startUp.stop();
  }

  private async connect(): Promise<void> {
    if (this.connection.readyState === CONNECTED) return;
    // The first attempt is the one AppModule started; later ones open the connection again.
    if (this.attempts++ === 0) await this.connection.asPromise();
    else await this.connection.openUri(this.config.MONGO_URL);
  }
}
