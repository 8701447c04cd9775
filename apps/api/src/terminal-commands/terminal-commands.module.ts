import { Module } from '@nestjs/common';
import { TerminalCommandsController } from './terminal-commands.controller.js';
import { TerminalCommandsService } from './terminal-commands.service.js';

@Module({ controllers: [TerminalCommandsController], providers: [TerminalCommandsService] })
export class TerminalCommandsModule {}
