import { Module } from '@nestjs/common';
import { TripsModule } from '../trips/trips.module';
import { GatewayConsumerService } from './gateway-consumer.service';
import { PositionsGateway } from './positions.gateway';

@Module({
  imports: [TripsModule],
  providers: [PositionsGateway, GatewayConsumerService],
  exports: [GatewayConsumerService],
})
export class PositionsModule {}
