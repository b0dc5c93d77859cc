import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Route } from '@fleetlab/contracts';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { errorSchema } from '../common/openapi';
import {
  CreateRouteBody,
  GenerateRoutesBody,
  createRouteBodySchema,
  generateRoutesBodySchema,
  routeFromBody,
  routeSchema,
  routeSummarySchema,
} from './routes.dto';
import { RoutesService, type RouteSummary } from './routes.service';
import { AppConfig } from '../config';
import { admissionRefusalSchema, databaseUnavailableSchema, refuse } from '../admission/road-ledger';

@ApiTags('routes')
@Controller('routes')
export class RoutesController {
  constructor(
    private readonly routes: RoutesService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Route summaries (no points)' })
  @ApiResponse({ status: 503, description: 'the database did not answer within API_DB_TIMEOUT_MS', schema: databaseUnavailableSchema })
  @ApiResponse({ status: 200, schema: { type: 'array', items: routeSummarySchema } })
  list(): Promise<RouteSummary[]> {
    return this.routes.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One route with its points' })
  @ApiResponse({ status: 503, description: 'the database did not answer within API_DB_TIMEOUT_MS', schema: databaseUnavailableSchema })
  @ApiResponse({ status: 200, schema: routeSchema })
  @ApiResponse({ status: 404, schema: errorSchema })
  get(@Param('id') id: string): Promise<Route> {
    return this.routes.get(id);
  }

  @Post()
  @ApiOperation({ summary: 'Create a route from a GeoJSON LineString or a list of [lng, lat] points' })
  @ApiResponse({ status: 503, description: 'the database did not answer within API_DB_TIMEOUT_MS', schema: databaseUnavailableSchema })
  @ApiBody({ schema: createRouteBodySchema })
  @ApiResponse({ status: 201, schema: routeSchema })
  @ApiResponse({ status: 400, schema: errorSchema })
  @ApiResponse({ status: 409, description: 'the id exists', schema: errorSchema })
  create(@Body(new ZodValidationPipe(CreateRouteBody)) body: CreateRouteBody): Promise<Route> {
    return this.routes.create(routeFromBody(body, `route-${randomUUID()}`));
  }

  @Post('generate')
  @HttpCode(201)
  @ApiOperation({ summary: 'Generate street-like routes gen-<seed>-<i>, deterministically; idempotent' })
  @ApiResponse({ status: 503, description: 'the database did not answer within API_DB_TIMEOUT_MS', schema: databaseUnavailableSchema })
  @ApiBody({ schema: generateRoutesBodySchema })
  @ApiResponse({ status: 201, schema: { type: 'object', properties: { routes: { type: 'array', items: routeSummarySchema } } } })
  @ApiResponse({ status: 400, schema: errorSchema })
  @ApiResponse({ status: 429, description: 'count above API_MAX_ROUTES_PER_REQUEST; the body names the cap', schema: admissionRefusalSchema })
  async generate(@Body(new ZodValidationPipe(GenerateRoutesBody)) body: GenerateRoutesBody): Promise<{ routes: RouteSummary[] }> {
    const limit = this.config.API_MAX_ROUTES_PER_REQUEST;
    if (body.count > limit) throw refuse('API_MAX_ROUTES_PER_REQUEST', limit, 0, body.count, 1, 'routes generated per request');
    return { routes: await this.routes.generate(body) };
  }
}
