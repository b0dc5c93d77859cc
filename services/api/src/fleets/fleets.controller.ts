import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import type { FleetCancelled, FleetLimits } from '@fleetlab/contracts';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { CreateFleetBody } from './fleets.dto';
import { FleetsService, type FleetCreated, type FleetView } from './fleets.service';

@Controller('fleets')
export class FleetsController {
  constructor(private readonly fleets: FleetsService) {}

  @Post()
  @HttpCode(202)
  create(@Body(new ZodValidationPipe(CreateFleetBody)) body: CreateFleetBody): Promise<FleetCreated> {
    return this.fleets.create(body);
  }

  // Before ':id', which would take "limits" for a fleet id (fleet ids are UUIDs, so no fleet is called that).
  @Get('limits')
  limits(): FleetLimits {
    return this.fleets.limits();
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<FleetView> {
    return this.fleets.get(id);
  }

  @Delete(':id')
  @HttpCode(202)
  cancel(@Param('id') id: string): Promise<FleetCancelled> {
    return this.fleets.cancel(id);
  }
}
