import { Module } from '@nestjs/common';
import { Clock } from './clock.js';
import { DecisionHistoryAppender } from './decision-history.appender.js';
import { PaymentGateController } from './payment-gate.controller.js';
import { PaymentGateService } from './payment-gate.service.js';

@Module({
  controllers: [PaymentGateController],
  providers: [PaymentGateService, DecisionHistoryAppender, Clock],
})
export class PaymentGateModule {}
