import { Module } from '@nestjs/common';
import { EmqxAuthController } from './emqx-auth.controller.js';

@Module({ controllers: [EmqxAuthController] })
export class BrokerAuthModule {}
