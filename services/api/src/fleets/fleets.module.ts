import { Module } from '@nestjs/common';
import { RoutesModule } from '../routes/routes.module';
import { TripsModule } from '../trips/trips.module';
import { FleetsController } from './fleets.controller';
import { FleetsService } from './fleets.service';

@Module({
  imports: [RoutesModule, TripsModule],
  controllers: [FleetsController],
  providers: [FleetsService],
})
export class FleetsModule {}
