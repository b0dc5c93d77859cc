import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Connection } from 'mongoose';
import type { ServerResponse } from 'node:http';
import { pingWithin } from '@fleetlab/runtime';
import { DatabaseStartupService } from '../database/database-startup.service';
import { KafkaService } from '../kafka/kafka.service';
import { GatewayConsumerService } from '../positions/gateway-consumer.service';

const PING_TIMEOUT_MS = 1000;

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    @InjectConnection() private readonly mongo: Connection,
    private readonly kafka: KafkaService,
    private readonly gatewayConsumer: GatewayConsumerService,
    private readonly database: DatabaseStartupService,
  ) {}

  @Get('healthz')
  @ApiOperation({ summary: 'Liveness: the process serves HTTP and nothing in it has given up (a crashed gateway consumer)' })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { status: { type: 'string', example: 'ok' } } } })
  @ApiResponse({ status: 503, schema: { type: 'object', properties: { status: { type: 'string' }, problems: { type: 'array', items: { type: 'string' } } } } })
  healthz(@Res() res: ServerResponse): void {
    const problem = this.gatewayConsumer.livenessProblem();
    const status = problem === undefined ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(problem === undefined ? { status: 'ok' } : { status: 'not live', problems: [problem] }));
  }

  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: MongoDB answers, the producer is connected, the gateway consumer is in its group' })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { status: { type: 'string', example: 'ready' } } } })
  @ApiResponse({ status: 503, schema: { type: 'object', properties: { status: { type: 'string' }, notReady: { type: 'array', items: { type: 'string' } } } } })
  async readyz(@Res() res: ServerResponse): Promise<void> {
    const notReady: string[] = [];
    const pending = this.database.pending();
    if (pending) notReady.push(`starting: waiting for ${pending}`);
    if (!(await this.mongoAnswers())) notReady.push('mongodb');
    if (!this.kafka.isConnected()) notReady.push('kafka-producer');
    if (!this.gatewayConsumer.isReady()) notReady.push('gateway-consumer');
    const status = notReady.length === 0 ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(status === HttpStatus.OK ? { status: 'ready' } : { status: 'not ready', notReady }));
  }

  private async mongoAnswers(): Promise<boolean> {
    const db = this.mongo.db;
    if (!db || this.mongo.readyState !== 1) return false;
    try {
      await pingWithin(db, PING_TIMEOUT_MS);
      return true;
    } catch {
      return false;
    }
  }
}
