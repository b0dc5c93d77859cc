import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import type { GeneratedRoutes, Route } from '@fleetlab/contracts';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { CreateRouteBody, GenerateRoutesBody, routeFromBody } from './routes.dto';
import { RoutesService, type RouteSummary } from './routes.service';
import { AppConfig } from '../config';
import { refuse } from '../admission/road-ledger';

@Controller('routes')
export class RoutesController {
  constructor(
    private readonly routes: RoutesService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  list(): Promise<RouteSummary[]> {
    return this.routes.list();
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<Route> {
    return this.routes.get(id);
  }

  @Post()
  create(@Body(new ZodValidationPipe(CreateRouteBody)) body: CreateRouteBody): Promise<Route> {
    return this.routes.create(routeFromBody(body, `route-${randomUUID()}`));
  }

  @Post('generate')
  @HttpCode(201)
  async generate(@Body(new ZodValidationPipe(GenerateRoutesBody)) body: GenerateRoutesBody): Promise<GeneratedRoutes> {
    const limit = this.config.API_MAX_ROUTES_PER_REQUEST;
    if (body.count > limit) throw refuse('API_MAX_ROUTES_PER_REQUEST', limit, 0, body.count, 1, 'routes generated per request');
    return { routes: await this.routes.generate(body) };
  }
}
