import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import type { ServerResponse } from 'node:http';
import { pingWithin } from '@fleetlab/runtime';
import { DatabaseStartupService } from '../database/database-startup.service';
import { KafkaService } from '../kafka/kafka.service';
import { GatewayConsumerService } from '../positions/gateway-consumer.service';

const PING_TIMEOUT_MS = 1000;

@Controller()
export class HealthController {
  constructor(
    @InjectConnection() private readonly mongo: Connection,
    private readonly kafka: KafkaService,
    private readonly gatewayConsumer: GatewayConsumerService,
    private readonly database: DatabaseStartupService,
  ) {}

  @Get('healthz')
  healthz(@Res() res: ServerResponse): void {
    const problem = this.gatewayConsumer.livenessProblem();
    const status = problem === undefined ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(problem === undefined ? { status: 'ok' } : { status: 'not live', problems: [problem] }));
  }

  @Get('readyz')
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
