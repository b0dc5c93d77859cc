import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { TripList, TripPositions } from '@fleetlab/contracts';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ListTripsQuery, StartTripBody, type TripView } from './trips.dto';
import { TripsService, type TripStarted } from './trips.service';

@Controller('trips')
export class TripsController {
  constructor(private readonly trips: TripsService) {}

  @Post()
  @HttpCode(202)
  start(@Body(new ZodValidationPipe(StartTripBody)) body: StartTripBody): Promise<TripStarted> {
    return this.trips.start({ ...body, clientId: '', source: 'http' });
  }

  @Get()
  list(@Query(new ZodValidationPipe(ListTripsQuery, 'query')) query: ListTripsQuery): Promise<TripList> {
    return this.trips.list(query);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<TripView> {
    return this.trips.get(id);
  }

  @Get(':id/positions')
  positions(@Param('id') id: string): Promise<TripPositions> {
    return this.trips.positionHistory(id);
  }

  @Delete(':id')
  @HttpCode(202)
  cancel(@Param('id') id: string): Promise<TripView> {
    return this.trips.cancel(id);
  }
}
