import { Module } from '@nestjs/common';
import { PositionsModule } from '../positions/positions.module';
import { HealthController } from './health.controller';

@Module({ imports: [PositionsModule], controllers: [HealthController] })
export class HealthModule {}
