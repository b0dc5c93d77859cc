import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { errorSchema } from '../common/openapi';
import { admissionRefusalSchema, databaseUnavailableSchema } from '../admission/road-ledger';
import {
  ListTripsQuery,
  StartTripBody,
  listTripsQuerySchemas,
  startTripBodySchema,
  tripListSchema,
  tripPositionsSchema,
  tripSchema,
  tripStartedSchema,
  type TripView,
} from './trips.dto';
import { TripsService, type TripStarted } from './trips.service';

@ApiTags('trips')
@Controller('trips')
export class TripsController {
  constructor(private readonly trips: TripsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a trip: stores it requested and sends route.new-direction' })
  @ApiResponse({ status: 503, description: 'the database did not answer within API_DB_TIMEOUT_MS', schema: databaseUnavailableSchema })
  @ApiBody({ schema: startTripBodySchema })
  @ApiResponse({ status: 202, schema: tripStartedSchema })
  @ApiResponse({ status: 429, description: 'API_MAX_VEHICLES_ON_ROAD vehicles already on the road; Retry-After says when to try again', schema: admissionRefusalSchema })
  @ApiResponse({ status: 400, schema: errorSchema })
  @ApiResponse({ status: 404, description: 'unknown route; nothing produced', schema: errorSchema })
  start(@Body(new ZodValidationPipe(StartTripBody)) body: StartTripBody): Promise<TripStarted> {
    return this.trips.start({ ...body, clientId: '', source: 'http' });
  }

  @Get()
  @ApiOperation({
    summary: 'Trips, newest first',
    description:
      "A fleet's trips come highest vehicle first. With `status` and no `fleetId`, trips outside fleets are examined up to 1000 per request; past that, `total` counts those examined.",
  })
  @ApiResponse({ status: 503, description: 'the database did not answer within API_DB_TIMEOUT_MS', schema: databaseUnavailableSchema })
  @ApiQuery({ name: 'status', required: false, schema: listTripsQuerySchemas.status })
  @ApiQuery({ name: 'routeId', required: false, schema: listTripsQuerySchemas.routeId })
  @ApiQuery({ name: 'fleetId', required: false, schema: listTripsQuerySchemas.fleetId })
  @ApiQuery({ name: 'vehicleId', required: false, schema: listTripsQuerySchemas.vehicleId })
  @ApiQuery({ name: 'limit', required: false, schema: listTripsQuerySchemas.limit, description: '1–500, default 50' })
  @ApiQuery({ name: 'offset', required: false, schema: listTripsQuerySchemas.offset, description: 'default 0' })
  @ApiResponse({ status: 200, schema: tripListSchema })
  @ApiResponse({ status: 400, schema: errorSchema })
  list(@Query(new ZodValidationPipe(ListTripsQuery, 'query')) query: ListTripsQuery): Promise<{ items: TripView[]; total: number }> {
    return this.trips.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One trip with its progress (count / total)' })
  @ApiResponse({ status: 503, description: 'the database did not answer within API_DB_TIMEOUT_MS', schema: databaseUnavailableSchema })
  @ApiResponse({ status: 200, schema: tripSchema })
  @ApiResponse({ status: 404, schema: errorSchema })
  get(@Param('id') id: string): Promise<TripView> {
    return this.trips.get(id);
  }

  @Get(':id/positions')
  @ApiOperation({ summary: 'The stored positions of a trip, in seq order' })
  @ApiResponse({ status: 503, description: 'the database did not answer within API_DB_TIMEOUT_MS', schema: databaseUnavailableSchema })
  @ApiResponse({ status: 200, schema: tripPositionsSchema })
  @ApiResponse({ status: 404, schema: errorSchema })
  positions(@Param('id') id: string): ReturnType<TripsService['positionHistory']> {
    return this.trips.positionHistory(id);
  }

  @Delete(':id')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel a trip that has not finished; sends route.cancel' })
  @ApiResponse({ status: 503, description: 'the database did not answer within API_DB_TIMEOUT_MS', schema: databaseUnavailableSchema })
  @ApiResponse({ status: 202, schema: tripSchema })
  @ApiResponse({ status: 404, schema: errorSchema })
  @ApiResponse({ status: 409, description: 'the trip already finished', schema: errorSchema })
  cancel(@Param('id') id: string): Promise<TripView> {
    return this.trips.cancel(id);
  }
}
