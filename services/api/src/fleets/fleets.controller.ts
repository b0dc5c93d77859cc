import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { errorSchema } from '../common/openapi';
import { admissionRefusalSchema, databaseUnavailableSchema } from '../admission/road-ledger';
import { CreateFleetBody, createFleetBodySchema, fleetCancelledSchema, fleetCreatedSchema, fleetSchema } from './fleets.dto';
import { FleetsService, type FleetCreated, type FleetView } from './fleets.service';

@ApiTags('fleets')
@Controller('fleets')
export class FleetsController {
  constructor(private readonly fleets: FleetsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a fleet: one trip per vehicle, directions sent in batches' })
  @ApiResponse({ status: 503, description: 'the database did not answer within API_DB_TIMEOUT_MS', schema: databaseUnavailableSchema })
  @ApiBody({ schema: createFleetBodySchema })
  @ApiResponse({ status: 202, schema: fleetCreatedSchema })
  @ApiResponse({ status: 429, description: 'the fleet would put more than API_MAX_VEHICLES_ON_ROAD vehicles on the road; Retry-After says when to try again', schema: admissionRefusalSchema })
  @ApiResponse({ status: 400, schema: errorSchema })
  @ApiResponse({ status: 404, description: 'an unknown route id; nothing produced', schema: errorSchema })
  create(@Body(new ZodValidationPipe(CreateFleetBody)) body: CreateFleetBody): Promise<FleetCreated> {
    return this.fleets.create(body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A fleet and its trips counted by status' })
  @ApiResponse({ status: 503, description: 'the database did not answer within API_DB_TIMEOUT_MS', schema: databaseUnavailableSchema })
  @ApiResponse({ status: 200, schema: fleetSchema })
  @ApiResponse({ status: 404, schema: errorSchema })
  get(@Param('id') id: string): Promise<FleetView> {
    return this.fleets.get(id);
  }

  @Delete(':id')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel every unfinished trip of a fleet; sends one route.cancel {fleetId}' })
  @ApiResponse({ status: 503, description: 'the database did not answer within API_DB_TIMEOUT_MS', schema: databaseUnavailableSchema })
  @ApiResponse({ status: 202, schema: fleetCancelledSchema })
  @ApiResponse({ status: 404, schema: errorSchema })
  cancel(@Param('id') id: string): ReturnType<FleetsService['cancel']> {
    return this.fleets.cancel(id);
  }
}
