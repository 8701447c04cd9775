import { Module } from '@nestjs/common';
import { Clock } from './clock.js';
import { DecisionCommitter } from './decision-committer.js';
import { PaymentGateController } from './payment-gate.controller.js';
import { PaymentGateService } from './payment-gate.service.js';

@Module({
  controllers: [PaymentGateController],
  providers: [PaymentGateService, DecisionCommitter, Clock],
})
export class PaymentGateModule {}
