import { Global, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { KafkaProducerService } from './kafka-producer.service';

@Global()
@Module({ providers: [KafkaProducerService], exports: [KafkaProducerService] })
export class KafkaModule implements OnApplicationBootstrap {
  constructor(private readonly producer: KafkaProducerService) {}

  onApplicationBootstrap(): void {
    this.producer.start();
  }
}
