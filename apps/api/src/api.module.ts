import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '#app/auth';
import { ClockModule, type Clock } from '#app/calendar';
import { ConfigModule, type AppConfig } from '#app/config';
import { DatabaseModule, ENTITIES } from '#app/db';
import { HistoryModule } from '#app/history';
import { InfraModule, type Infrastructure } from '#app/infra';
import { ApiKeysController } from './api-keys/api-keys.controller.js';
import { AuthController } from './auth/auth.controller.js';
import { HealthController } from './health/health.controller.js';
import { PaymentGateModule } from './payment-gate/payment-gate.module.js';
import { CasesModule } from './cases/cases.module.js';
import { CaseFilesModule } from './case-files/case-files.module.js';
import { HistoryApiModule } from './history/history-api.module.js';
import { UsersController } from './users/users.controller.js';
import { AuditsModule } from './audits/audits.module.js';
import { PurchaseRequestsModule } from './purchase-requests/purchase-requests.module.js';
import { MeetingsModule } from './meetings/meetings.module.js';
import { StatsModule } from './stats/stats.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { FleetModule } from './fleet/fleet.module.js';
import { RejectedMessagesModule } from './rejected-messages/rejected-messages.module.js';
import { VehicleTrackModule } from './vehicles-track/vehicle-track.module.js';

import { UnitsModule } from './units/units.module.js';
import { VehiclesModule } from './vehicles/vehicles.module.js';
import { TerminalsModule } from './terminals/terminals.module.js';
import { FencesModule } from './fences/fences.module.js';
import { CalendarModule } from './calendar/calendar.module.js';
import { DispatchOrdersModule } from './dispatch-orders/dispatch-orders.module.js';
import { ViolationsModule } from './violations/violations.module.js';
import { TripsModule } from './trips/trips.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { TerminalCommandsModule } from './terminal-commands/terminal-commands.module.js';
import { BrokerAuthModule } from './broker-auth/broker-auth.module.js';
import { NotificationsApiModule } from './notifications/notifications.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
/** Feature modules of the REST API; each capability adds itself here. */
const FEATURES: DynamicModule['imports'] = [
  BrokerAuthModule,
  PaymentGateModule,
  CasesModule,
  CaseFilesModule,
  HistoryApiModule,
  FleetModule,
  VehicleTrackModule,
  RejectedMessagesModule,
  AuditsModule,
  PurchaseRequestsModule,
  MeetingsModule,
  StatsModule,
  ReportsModule,
  UnitsModule,
  VehiclesModule,
  TerminalsModule,
  FencesModule,
  CalendarModule,
  DispatchOrdersModule,
  ViolationsModule,
  TripsModule,
  DashboardModule,
  TerminalCommandsModule,
  NotificationsApiModule,
  MetricsModule,
];

@Module({})
export class ApiModule {
  static register(config: AppConfig, infra: Infrastructure, clock?: Clock): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ClockModule.register(clock),
        ConfigModule.forRoot(config),
        InfraModule.forRoot(infra),
        DatabaseModule.forRoot(infra.databaseUrl),
        TypeOrmModule.forFeature(ENTITIES),
        AuthModule,
        HistoryModule,
        ...(FEATURES ?? []),
      ],
      controllers: [HealthController, AuthController, ApiKeysController, UsersController],
    };
  }
}
