import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { FLEET_MODEL, FleetSchema } from '../fleets/fleet.schema';
import { RoutesModule } from '../routes/routes.module';
import { TRIP_MODEL, TRIP_POSITION_MODEL, TripPositionSchema, TripSchema } from './trip.schema';
import { TripsController } from './trips.controller';
import { TripsService } from './trips.service';
import { TripIndexService } from './trip-index.service';
import { RetentionService } from './retention.service';

@Module({
  imports: [
    RoutesModule,
    MongooseModule.forFeature([
      { name: TRIP_MODEL, schema: TripSchema },
      { name: TRIP_POSITION_MODEL, schema: TripPositionSchema },
      // Registered here, not in FleetsModule, because trip reads need fleet cancellations and FleetsModule imports this one.
      { name: FLEET_MODEL, schema: FleetSchema },
    ]),
  ],
  controllers: [TripsController],
  providers: [TripsService, TripIndexService, RetentionService],
  exports: [TripsService, TripIndexService, MongooseModule],
})
export class TripsModule {}
