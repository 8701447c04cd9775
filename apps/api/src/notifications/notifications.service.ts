import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Principal } from '#app/auth';
import { CLOCK, type Clock } from '#app/calendar';
import { newSecret } from '#app/crypto';
import { returnedRows, type Role } from '#app/db';
import { HistoryService } from '#app/history';
import type { Channel, NotificationRuleRow, QuietHours, Recipient, Severity } from '#app/notifications';
import { conflictOnUnique } from '../common/db-errors.js';
import type {
  ContactDto,
  CreateWebhookDto,
  ListNotificationsQuery,
  LogStatus,
  NotificationRuleDto,
  UpdateWebhookDto,
} from './notifications.dto.js';

export interface NotificationRuleView {
  id: string;
  name: string;
  active: boolean;
  findingRules: string[];
  unitIds: string[];
  minSeverity: Severity;
  recipients: Recipient[];
  quietHours: QuietHours | null;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookView {
  id: string;
  name: string;
  url: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ContactView {
  userId: string;
  username: string;
  roles: Role[];
  active: boolean;
  email: string | null;
  phone: string | null;
  quietHours: QuietHours | null;
}

export interface NotificationView {
  id: string;
  violationId: string;
  findingRule: string;
  severity: Severity;
  channel: Channel;
  recipient: { userId: string | null; username: string | null; webhookId: string | null; webhookName: string | null };
  address: string | null;
  status: LogStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  notificationRule: { id: string; name: string } | null;
  createdAt: string;
  sentAt: string | null;
  resentBy: string | null;
  resentAt: string | null;
}

interface WebhookRow {
  id: string;
  name: string;
  url: string;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const quiet = (from: string | null, to: string | null): QuietHours | null => (from && to ? { from, to } : null);

const ruleView = (r: NotificationRuleRow): NotificationRuleView => ({
  id: r.id,
  name: r.name,
  active: r.active,
  findingRules: r.finding_rules,
  unitIds: r.unit_ids,
  minSeverity: r.min_severity,
  recipients: r.recipients,
  quietHours: quiet(r.quiet_from, r.quiet_to),
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

const webhookView = (r: WebhookRow): WebhookView => ({
  id: r.id,
  name: r.name,
  url: r.url,
  active: r.active,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

const LOG_SELECT = `
  SELECT n.*, v.rule AS finding_rule, u.username, w.name AS webhook_name, r.name AS rule_name
    FROM notifications n
    JOIN violations v ON v.id = n.violation_id
    LEFT JOIN users u ON u.id = n.user_id
    LEFT JOIN notification_webhooks w ON w.id = n.webhook_id
    LEFT JOIN notification_rules r ON r.id = n.notification_rule_id`;

interface LogRow {
  id: string;
  violation_id: string;
  finding_rule: string;
  severity: Severity;
  channel: Channel;
  user_id: string | null;
  username: string | null;
  webhook_id: string | null;
  webhook_name: string | null;
  address: string | null;
  status: LogStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  notification_rule_id: string | null;
  rule_name: string | null;
  created_at: Date;
  sent_at: Date | null;
  resent_by: string | null;
  resent_at: Date | null;
}

const logView = (r: LogRow): NotificationView => ({
  id: r.id,
  violationId: r.violation_id,
  findingRule: r.finding_rule,
  severity: r.severity,
  channel: r.channel,
  recipient: { userId: r.user_id, username: r.username, webhookId: r.webhook_id, webhookName: r.webhook_name },
  address: r.address,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at?.toISOString() ?? null,
  lastError: r.last_error,
  notificationRule: r.notification_rule_id ? { id: r.notification_rule_id, name: r.rule_name ?? '' } : null,
  createdAt: r.created_at.toISOString(),
  sentAt: r.sent_at?.toISOString() ?? null,
  resentBy: r.resent_by,
  resentAt: r.resent_at?.toISOString() ?? null,
});

/**
 * Notification rules, webhooks and contacts (who hears about which finding, and where), and the log of what
 * was sent. Every change to the rules, webhooks and contacts goes into the hash-chained history: who is told
 * about misuse is itself something an inspector may need to check.
 */
@Injectable()
export class NotificationsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  // rules

  async listRules(): Promise<NotificationRuleView[]> {
    const rows: NotificationRuleRow[] = await this.db.query(`SELECT * FROM notification_rules ORDER BY created_at, id`);
    return rows.map(ruleView);
  }

  async getRule(id: string): Promise<NotificationRuleView> {
    const [row]: NotificationRuleRow[] = await this.db.query(`SELECT * FROM notification_rules WHERE id = $1`, [id]);
    if (!row) throw new NotFoundException(`notification rule ${id} not found`);
    return ruleView(row);
  }

  createRule(body: NotificationRuleDto, principal: Principal): Promise<NotificationRuleView> {
    return this.db.transaction(async (m) => {
      const fields = await this.ruleFields(m, body);
      const [row] = returnedRows<NotificationRuleRow>(
        await m.query(
          `INSERT INTO notification_rules (name, active, finding_rules, unit_ids, min_severity, recipients, quiet_from,
                  quiet_to)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
          fields,
        ),
      );
      const view = ruleView(row);
      await this.record(m, 'notification_rule', row.id, 'created', principal, view);
      return view;
    });
  }

  replaceRule(id: string, body: NotificationRuleDto, principal: Principal): Promise<NotificationRuleView> {
    return this.db.transaction(async (m) => {
      const fields = await this.ruleFields(m, body);
      const [row] = returnedRows<NotificationRuleRow>(
        await m.query(
          `UPDATE notification_rules SET name = $2, active = $3, finding_rules = $4, unit_ids = $5, min_severity = $6,
                  recipients = $7, quiet_from = $8, quiet_to = $9, updated_at = now()
            WHERE id = $1 RETURNING *`,
          [id, ...fields],
        ),
      );
      if (!row) throw new NotFoundException(`notification rule ${id} not found`);
      const view = ruleView(row);
      await this.record(m, 'notification_rule', id, 'replaced', principal, view);
      return view;
    });
  }

  deleteRule(id: string, principal: Principal): Promise<void> {
    return this.db.transaction(async (m) => {
      const rows = returnedRows<NotificationRuleRow>(
        await m.query(`DELETE FROM notification_rules WHERE id = $1 RETURNING *`, [id]),
      );
      if (rows.length === 0) throw new NotFoundException(`notification rule ${id} not found`);
      await this.record(m, 'notification_rule', id, 'deleted', principal, { name: rows[0].name });
    });
  }

  /** The rule's columns, after the checks a DTO cannot make (one kind of recipient, names that exist). */
  private async ruleFields(m: EntityManager, body: NotificationRuleDto): Promise<unknown[]> {
    const errors: string[] = [];
    const recipients: Recipient[] = [];
    body.recipients.forEach((r, i) => {
      const at = `recipients.${i}`;
      const named = [r.userId, r.role, r.webhookId].filter((x) => x !== undefined && x !== null).length;
      if (named !== 1) {
        errors.push(`${at} must name exactly one of userId, role and webhookId`);
        return;
      }
      if (r.webhookId) {
        if (r.channels) {
          errors.push(`${at}.channels must be left out for a webhook (its channel is webhook)`);
        }
        recipients.push({ webhookId: r.webhookId });
        return;
      }
      if (!r.channels || r.channels.length === 0) {
        errors.push(`${at}.channels must list at least one of dashboard, email, sms`);
        return;
      }
      recipients.push(r.userId ? { userId: r.userId, channels: r.channels } : { role: r.role!, channels: r.channels });
    });
    const userIds = body.recipients.flatMap((r) => (r.userId ? [r.userId] : []));
    const webhookIds = body.recipients.flatMap((r) => (r.webhookId ? [r.webhookId] : []));
    const unitIds = body.unitIds ?? [];
    // One after the other: a transaction is one connection.
    const ids = async (sql: string, values: string[]) =>
      new Set(((await m.query(sql, [values])) as { id: string }[]).map((r) => r.id));
    const knownUsers = await ids(`SELECT id FROM users WHERE id = ANY($1::uuid[])`, userIds);
    const knownWebhooks = await ids(`SELECT id FROM notification_webhooks WHERE id = ANY($1::uuid[])`, webhookIds);
    const knownUnits = await ids(`SELECT id FROM units WHERE id = ANY($1::uuid[])`, unitIds);
    body.recipients.forEach((r, i) => {
      if (r.userId && !knownUsers.has(r.userId)) errors.push(`recipients.${i}.userId names no user`);
      if (r.webhookId && !knownWebhooks.has(r.webhookId)) errors.push(`recipients.${i}.webhookId names no webhook`);
    });
    unitIds.forEach((u, i) => {
      if (!knownUnits.has(u)) errors.push(`unitIds.${i} names no unit`);
    });
    if (body.quietHours && body.quietHours.from === body.quietHours.to) {
      errors.push('quietHours.to must differ from quietHours.from');
    }
    if (errors.length > 0) throw new BadRequestException(errors);
    return [
      body.name,
      body.active ?? true,
      body.findingRules ?? [],
      unitIds,
      body.minSeverity ?? 'low',
      JSON.stringify(recipients),
      body.quietHours?.from ?? null,
      body.quietHours?.to ?? null,
    ];
  }

  // webhooks

  async listWebhooks(): Promise<WebhookView[]> {
    const rows: WebhookRow[] = await this.db.query(`SELECT * FROM notification_webhooks ORDER BY name`);
    return rows.map(webhookView);
  }

  createWebhook(body: CreateWebhookDto, principal: Principal): Promise<WebhookView & { secret: string }> {
    const secret = newSecret(32);
    return conflictOnUnique(
      this.db.transaction(async (m) => {
        const [row] = returnedRows<WebhookRow>(
          await m.query(
            `INSERT INTO notification_webhooks (name, url, secret, active) VALUES ($1, $2, $3, $4) RETURNING *`,
            [body.name, body.url, secret, body.active ?? true],
          ),
        );
        const view = webhookView(row);
        await this.record(m, 'notification_webhook', row.id, 'created', principal, view);
        return { ...view, secret };
      }),
      `a webhook named "${body.name}" exists already`,
    );
  }

  updateWebhook(id: string, body: UpdateWebhookDto, principal: Principal): Promise<WebhookView> {
    return conflictOnUnique(
      this.db.transaction(async (m) => {
        const [row] = returnedRows<WebhookRow>(
          await m.query(
            `UPDATE notification_webhooks SET name = coalesce($2, name), url = coalesce($3, url),
                    active = coalesce($4, active), updated_at = now()
              WHERE id = $1 RETURNING *`,
            [id, body.name ?? null, body.url ?? null, body.active ?? null],
          ),
        );
        if (!row) throw new NotFoundException(`webhook ${id} not found`);
        const view = webhookView(row);
        await this.record(m, 'notification_webhook', id, 'changed', principal, view);
        return view;
      }),
      `a webhook named "${body.name}" exists already`,
    );
  }

  rotateSecret(id: string, principal: Principal): Promise<{ id: string; secret: string }> {
    const secret = newSecret(32);
    return this.db.transaction(async (m) => {
      const rows = returnedRows<{ id: string }>(
        await m.query(`UPDATE notification_webhooks SET secret = $2, updated_at = now() WHERE id = $1 RETURNING id`, [
          id,
          secret,
        ]),
      );
      if (rows.length === 0) throw new NotFoundException(`webhook ${id} not found`);
      await this.record(m, 'notification_webhook', id, 'secret_rotated', principal, null);
      return { id, secret };
    });
  }

  deleteWebhook(id: string, principal: Principal): Promise<void> {
    return this.db.transaction(async (m) => {
      const users: { name: string }[] = await m.query(
        `SELECT name FROM notification_rules WHERE recipients @> jsonb_build_array(jsonb_build_object('webhookId', $1::text))`,
        [id],
      );
      if (users.length > 0) {
        throw new ConflictException(
          `the webhook is a recipient of ${users.map((u) => `"${u.name}"`).join(', ')}: take it out of those rules first`,
        );
      }
      const rows = returnedRows<{ name: string }>(
        await m.query(`DELETE FROM notification_webhooks WHERE id = $1 RETURNING name`, [id]),
      );
      if (rows.length === 0) throw new NotFoundException(`webhook ${id} not found`);
      await this.record(m, 'notification_webhook', id, 'deleted', principal, { name: rows[0].name });
    });
  }

  // contacts

  async listContacts(): Promise<ContactView[]> {
    const rows: {
      id: string;
      username: string;
      roles: Role[];
      active: boolean;
      email: string | null;
      phone: string | null;
      quiet_from: string | null;
      quiet_to: string | null;
    }[] = await this.db.query(
      `SELECT u.id, u.username, u.roles, u.active, c.email, c.phone, c.quiet_from, c.quiet_to
         FROM users u LEFT JOIN notification_contacts c ON c.user_id = u.id ORDER BY u.username`,
    );
    return rows.map((r) => ({
      userId: r.id,
      username: r.username,
      roles: r.roles,
      active: r.active,
      email: r.email,
      phone: r.phone,
      quietHours: quiet(r.quiet_from, r.quiet_to),
    }));
  }

  putContact(userId: string, body: ContactDto, principal: Principal): Promise<ContactView> {
    if (body.quietHours && body.quietHours.from === body.quietHours.to) {
      throw new BadRequestException(['quietHours.to must differ from quietHours.from']);
    }
    return this.db.transaction(async (m) => {
      const [user]: { id: string; username: string; roles: Role[]; active: boolean }[] = await m.query(
        `SELECT id, username, roles, active FROM users WHERE id = $1`,
        [userId],
      );
      if (!user) throw new NotFoundException(`user ${userId} not found`);
      const view: ContactView = {
        userId,
        username: user.username,
        roles: user.roles,
        active: user.active,
        email: body.email ?? null,
        phone: body.phone ?? null,
        quietHours: body.quietHours ? { from: body.quietHours.from, to: body.quietHours.to } : null,
      };
      await m.query(
        `INSERT INTO notification_contacts (user_id, email, phone, quiet_from, quiet_to) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, phone = excluded.phone,
           quiet_from = excluded.quiet_from, quiet_to = excluded.quiet_to, updated_at = now()`,
        [userId, view.email, view.phone, view.quietHours?.from ?? null, view.quietHours?.to ?? null],
      );
      await this.record(m, 'notification_contact', userId, 'set', principal, {
        email: view.email,
        phone: view.phone,
        quietHours: view.quietHours,
      });
      return view;
    });
  }

  // the log

  async list(
    query: ListNotificationsQuery,
  ): Promise<{ items: NotificationView[]; total: number; limit: number; offset: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.status) add('n.status = ?', query.status);
    if (query.channel) add('n.channel = ?', query.channel);
    if (query.violationId) add('n.violation_id = ?', query.violationId);
    if (query.userId) add('n.user_id = ?', query.userId);
    if (query.from) add('n.created_at >= ?', new Date(query.from));
    if (query.to) add('n.created_at < ?', new Date(query.to));
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }]: { total: number }[] = await this.db.query(
      `SELECT count(*)::int AS total FROM notifications n ${filter}`,
      params,
    );
    const rows: LogRow[] = await this.db.query(
      `${LOG_SELECT} ${filter} ORDER BY n.created_at DESC, n.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, query.limit, query.offset],
    );
    return { items: rows.map(logView), total, limit: query.limit, offset: query.offset };
  }

  /** A message that was given up on goes again, with a fresh set of attempts, at the sender's next pass. */
  resend(id: string, principal: Principal): Promise<NotificationView> {
    return this.db.transaction(async (m) => {
      const [row]: { status: LogStatus }[] = await m.query(
        `SELECT status FROM notifications WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!row) throw new NotFoundException(`notification ${id} not found`);
      if (row.status !== 'dead') {
        throw new ConflictException(
          `only a message in the dead-letter list can be sent again; this one is ${row.status}`,
        );
      }
      const now = this.clock.now();
      await m.query(
        `UPDATE notifications SET status = 'pending', attempts = 0, next_attempt_at = $2, resent_by = $3, resent_at = $2,
                updated_at = now()
          WHERE id = $1`,
        [id, now, principal.name],
      );
      await this.record(m, 'notification', id, 'resent', principal, null);
      const [view]: LogRow[] = await m.query(`${LOG_SELECT} WHERE n.id = $1`, [id]);
      return logView(view);
    });
  }

  private record(
    m: EntityManager,
    entityType: string,
    entityId: string,
    action: string,
    principal: Principal,
    data: unknown,
  ): Promise<void> {
    return this.history.append(m, { entityType, entityId, action, actor: principal.name, data });
  }
}
