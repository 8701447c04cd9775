import { Module } from '@nestjs/common';
import { DispatchOrdersController } from './dispatch-orders.controller.js';
import { DispatchOrdersService } from './dispatch-orders.service.js';

@Module({ controllers: [DispatchOrdersController], providers: [DispatchOrdersService] })
export class DispatchOrdersModule {}
