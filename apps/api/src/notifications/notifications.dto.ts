import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { ROLES, type Role } from '#app/db';
import {
  CHANNELS,
  PERSON_CHANNELS,
  SEVERITIES,
  type Channel,
  type PersonChannel,
  type Severity,
} from '#app/notifications';
import { RULE_NAMES, type RuleName } from '#app/rules';
import { PageQueryDto } from '../common/page-query.dto.js';
import { IsInstantWithZone } from '../common/validators.js';

const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

export class QuietHoursDto {
  @ApiProperty({ example: '22:00', description: 'local time (TZ_POLICY) the quiet hours begin, HH:MM' })
  @IsString()
  @Matches(CLOCK, { message: 'from must be a time HH:MM' })
  from: string;

  @ApiProperty({ example: '07:00', description: 'local time they end (exclusive); before `from`: the next day' })
  @IsString()
  @Matches(CLOCK, { message: 'to must be a time HH:MM' })
  to: string;
}

/** Exactly one of userId, role and webhookId; channels for a user or a role. */
export class RecipientDto {
  @ApiPropertyOptional({ description: 'one user' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ enum: ROLES, description: 'every active user holding the role' })
  @IsOptional()
  @IsIn(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` })
  role?: Role;

  @ApiPropertyOptional({ description: 'a webhook (POST /notifications/webhooks); its channel is `webhook`' })
  @IsOptional()
  @IsUUID()
  webhookId?: string;

  @ApiPropertyOptional({
    enum: PERSON_CHANNELS,
    isArray: true,
    description: 'for a user or a role: dashboard (the live map), email, sms',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(PERSON_CHANNELS, {
    each: true,
    message: `each value in channels must be one of: ${PERSON_CHANNELS.join(', ')}`,
  })
  channels?: PersonChannel[];
}

export class NotificationRuleDto {
  @ApiProperty({ example: '越界与禁入场所：纪检' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({
    enum: RULE_NAMES,
    isArray: true,
    description: 'the finding rules it covers; empty or absent: every rule',
    example: ['leaving_jurisdiction', 'forbidden_venue'],
  })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(RULE_NAMES, { each: true, message: `each value in findingRules must be one of: ${RULE_NAMES.join(', ')}` })
  findingRules?: RuleName[];

  @ApiPropertyOptional({ description: "the car's unit; empty or absent: every unit" })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(500)
  @IsUUID('all', { each: true })
  unitIds?: string[];

  @ApiPropertyOptional({ enum: SEVERITIES, default: 'low', description: 'the lowest severity it covers' })
  @IsOptional()
  @IsIn(SEVERITIES, { message: `minSeverity must be one of: ${SEVERITIES.join(', ')}` })
  minSeverity?: Severity;

  @ApiProperty({ type: [RecipientDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => RecipientDto)
  recipients: RecipientDto[];

  @ApiPropertyOptional({
    type: QuietHoursDto,
    description: 'e-mail and SMS of this rule wait until they end (low severity: dropped); null: none',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto | null;
}

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class CreateWebhookDto {
  @ApiProperty({ example: 'discipline-inspection-system' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ example: 'https://jjjc.example.gov.cn/hooks/oversight' })
  @IsString()
  @Length(1, 2000)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http:// or https:// URL' })
  url: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http:// or https:// URL' })
  url?: string;

  @ApiPropertyOptional({ description: 'false: its messages are skipped (and retries fail) until switched on' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class ContactDto {
  @ApiPropertyOptional({ type: String, example: 'li.jian@jjjc.example.gov.cn', description: 'null or absent: none' })
  @IsOptional()
  @IsString()
  @Length(3, 254)
  @IsEmail({}, { message: 'email must be an e-mail address' })
  email?: string | null;

  @ApiPropertyOptional({ type: String, example: '+8613800000000', description: 'for SMS; null or absent: none' })
  @IsOptional()
  @IsString()
  @Matches(/^\+?\d{5,20}$/, { message: 'phone must be digits, optionally after +, 5 to 20 of them' })
  phone?: string | null;

  @ApiPropertyOptional({ type: QuietHoursDto, description: "this person's quiet hours for e-mail and SMS" })
  @IsOptional()
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto | null;
}

export const LOG_STATUSES = ['pending', 'held', 'retrying', 'sent', 'dead', 'suppressed', 'skipped'] as const;
export type LogStatus = (typeof LOG_STATUSES)[number];

/** Filters of the log (and of the dead-letter list, which is the log's `dead` messages). */
export class NotificationFilterQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: CHANNELS })
  @IsOptional()
  @IsIn(CHANNELS, { message: `channel must be one of: ${CHANNELS.join(', ')}` })
  channel?: Channel;

  @ApiPropertyOptional({ description: 'the finding' })
  @IsOptional()
  @IsUUID()
  violationId?: string;

  @ApiPropertyOptional({ description: 'the person told' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ description: 'planned at or after this instant' })
  @IsOptional()
  @IsInstantWithZone()
  from?: string;

  @ApiPropertyOptional({ description: 'planned before this instant' })
  @IsOptional()
  @IsInstantWithZone()
  to?: string;
}

export class ListNotificationsQuery extends NotificationFilterQuery {
  @ApiPropertyOptional({ enum: LOG_STATUSES })
  @IsOptional()
  @IsIn(LOG_STATUSES, { message: `status must be one of: ${LOG_STATUSES.join(', ')}` })
  status?: LogStatus;
}
