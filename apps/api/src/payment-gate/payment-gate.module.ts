import { Module } from '@nestjs/common';
import { DecisionHistoryAppender } from './decision-history.appender.js';
import { PaymentGateController } from './payment-gate.controller.js';
import { PaymentGateService } from './payment-gate.service.js';

@Module({
  controllers: [PaymentGateController],
  providers: [PaymentGateService, DecisionHistoryAppender],
})
export class PaymentGateModule {}
