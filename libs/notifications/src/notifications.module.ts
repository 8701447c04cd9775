import { DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { LoggingSmsSender, SMS_SENDER } from './channels.js';
import {
  DEFAULT_NOTIFICATION_OPTIONS,
  NOTIFICATION_OPTIONS,
  NotificationDispatcher,
  type NotificationOptions,
} from './notification-dispatcher.js';

/**
 * The sender of notifications, for the app that runs it (the scheduler). Needs the app's database, config,
 * infrastructure and its one clock (CLOCK). An SMS gateway adapter replaces the logging one under SMS_SENDER.
 */
@Module({})
export class NotificationsModule {
  static register(options: Partial<NotificationOptions> = {}): DynamicModule {
    return {
      module: NotificationsModule,
      providers: [
        { provide: NOTIFICATION_OPTIONS, useValue: { ...DEFAULT_NOTIFICATION_OPTIONS, ...options } },
        {
          provide: SMS_SENDER,
          useFactory: (config: AppConfig) => new LoggingSmsSender(config.logLevel),
          inject: [APP_CONFIG],
        },
        NotificationDispatcher,
      ],
      exports: [NotificationDispatcher, SMS_SENDER],
    };
  }
}
