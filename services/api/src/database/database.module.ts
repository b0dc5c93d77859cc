import { Module } from '@nestjs/common';
import { RoutesModule } from '../routes/routes.module';
import { TripsModule } from '../trips/trips.module';
import { DatabaseStartupService } from './database-startup.service';

@Module({ imports: [RoutesModule, TripsModule], providers: [DatabaseStartupService], exports: [DatabaseStartupService] })
export class DatabaseModule {}
