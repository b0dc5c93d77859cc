import { Global, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { KafkaService } from './kafka.service';

@Global()
@Module({ providers: [KafkaService], exports: [KafkaService] })
export class KafkaModule implements OnApplicationBootstrap {
  constructor(private readonly kafka: KafkaService) {}

  onApplicationBootstrap(): void {
    this.kafka.start();
  }
}
