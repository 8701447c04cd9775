import { Module } from '@nestjs/common';
import { AuditCoreModule } from '#app/audit';
import { AuditsController } from './audits.controller.js';
import { AuditsService } from './audits.service.js';

@Module({
  imports: [AuditCoreModule.register()],
  controllers: [AuditsController],
  providers: [AuditsService],
})
export class AuditsModule {}
