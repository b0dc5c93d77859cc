import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ROUTE_MODEL, RouteSchema } from './route.schema';
import { RoutesController } from './routes.controller';
import { RoutesService } from './routes.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: ROUTE_MODEL, schema: RouteSchema }])],
  controllers: [RoutesController],
  providers: [RoutesService],
  exports: [RoutesService],
})
export class RoutesModule {}
