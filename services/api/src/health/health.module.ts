import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { PositionsModule } from '../positions/positions.module';
import { HealthController } from './health.controller';

@Module({ imports: [PositionsModule, DatabaseModule], controllers: [HealthController] })
export class HealthModule {}
