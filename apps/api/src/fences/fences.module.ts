import { Module } from '@nestjs/common';
import { FencesController } from './fences.controller.js';
import { FencesService } from './fences.service.js';

@Module({ controllers: [FencesController], providers: [FencesService], exports: [FencesService] })
export class FencesModule {}
