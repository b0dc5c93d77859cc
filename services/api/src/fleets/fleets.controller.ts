import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import type { FleetCancelled } from '@fleetlab/contracts';
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
