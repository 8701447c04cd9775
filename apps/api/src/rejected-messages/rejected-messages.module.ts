import { Module } from '@nestjs/common';
import { RejectedMessagesController } from './rejected-messages.controller.js';
import { RejectedMessagesService } from './rejected-messages.service.js';

@Module({ controllers: [RejectedMessagesController], providers: [RejectedMessagesService] })
export class RejectedMessagesModule {}
