import { Module } from '@nestjs/common';
import {
  NotificationContactsController,
  NotificationLogController,
  NotificationRulesController,
  NotificationWebhooksController,
} from './notifications.controller.js';
import { NotificationsService } from './notifications.service.js';

/** Configuration and log of notifications; the sender itself runs in the scheduler. */
@Module({
  controllers: [
    NotificationRulesController,
    NotificationWebhooksController,
    NotificationContactsController,
    NotificationLogController,
  ],
  providers: [NotificationsService],
})
export class NotificationsApiModule {}
