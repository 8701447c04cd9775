import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import {
  ContactDto,
  CreateWebhookDto,
  ListNotificationsQuery,
  NotificationFilterQuery,
  NotificationRuleDto,
  UpdateWebhookDto,
} from './notifications.dto.js';
import { NotificationsService } from './notifications.service.js';

const uuid = new ParseUUIDPipe({ version: undefined });

/** Who hears about which finding: rules of finding rule, unit and severity, with their recipients. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('v1/notifications/rules')
export class NotificationRulesController {
  constructor(private readonly notifications: NotificationsService) {}

  @Post()
  @May('notifications.manage')
  create(@Body() body: NotificationRuleDto, @CurrentPrincipal() principal: Principal) {
    return this.notifications.createRule(body, principal);
  }

  @Get()
  @May('notifications.read')
  list() {
    return this.notifications.listRules();
  }

  @Get(':id')
  @May('notifications.read')
  get(@Param('id', uuid) id: string) {
    return this.notifications.getRule(id);
  }

  @Put(':id')
  @May('notifications.manage')
  replace(@Param('id', uuid) id: string, @Body() body: NotificationRuleDto, @CurrentPrincipal() principal: Principal) {
    return this.notifications.replaceRule(id, body, principal);
  }

  @Delete(':id')
  @May('notifications.manage')
  @HttpCode(204)
  remove(@Param('id', uuid) id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.notifications.deleteRule(id, principal);
  }
}

/** Other systems told of findings by a signed POST (docs/notifications.md: checking the signature). */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('v1/notifications/webhooks')
export class NotificationWebhooksController {
  constructor(private readonly notifications: NotificationsService) {}

  @Post()
  @May('notifications.manage')
  create(@Body() body: CreateWebhookDto, @CurrentPrincipal() principal: Principal) {
    return this.notifications.createWebhook(body, principal);
  }

  @Get()
  @May('notifications.read')
  list() {
    return this.notifications.listWebhooks();
  }

  @Patch(':id')
  @May('notifications.manage')
  update(@Param('id', uuid) id: string, @Body() body: UpdateWebhookDto, @CurrentPrincipal() principal: Principal) {
    return this.notifications.updateWebhook(id, body, principal);
  }

  @Post(':id/secret')
  @May('notifications.manage')
  rotate(@Param('id', uuid) id: string, @CurrentPrincipal() principal: Principal) {
    return this.notifications.rotateSecret(id, principal);
  }

  @Delete(':id')
  @May('notifications.manage')
  @HttpCode(204)
  remove(@Param('id', uuid) id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.notifications.deleteWebhook(id, principal);
  }
}

/** Where each person is reached (e-mail, phone) and their own quiet hours. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('v1/notifications/contacts')
export class NotificationContactsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @May('notifications.read')
  list() {
    return this.notifications.listContacts();
  }

  @Put(':userId')
  @May('notifications.manage')
  put(@Param('userId', uuid) userId: string, @Body() body: ContactDto, @CurrentPrincipal() principal: Principal) {
    return this.notifications.putContact(userId, body, principal);
  }
}

/** Every message planned for a finding, with its status, attempts and last error; the dead-letter list. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('v1/notifications')
export class NotificationLogController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @May('notifications.read')
  list(@Query() query: ListNotificationsQuery) {
    return this.notifications.list(query);
  }

  @Get('dead-letters')
  @May('notifications.read')
  deadLetters(@Query() query: NotificationFilterQuery) {
    return this.notifications.list({ ...query, status: 'dead' });
  }

  @Post('dead-letters/:id/resend')
  @May('notifications.manage')
  @HttpCode(200)
  resend(@Param('id', uuid) id: string, @CurrentPrincipal() principal: Principal) {
    return this.notifications.resend(id, principal);
  }
}
