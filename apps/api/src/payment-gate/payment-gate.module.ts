import { Module } from '@nestjs/common';
import { DecisionCommitter } from './decision-committer.js';
import { PaymentGateController } from './payment-gate.controller.js';
import { PaymentGateService } from './payment-gate.service.js';

@Module({
  controllers: [PaymentGateController],
  providers: [PaymentGateService, DecisionCommitter],
})
export class PaymentGateModule {}
