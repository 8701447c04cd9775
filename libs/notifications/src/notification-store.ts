import { returnedRows, type Role } from '#app/db';
import type { FindingKind } from '#app/rules';
import type { FindingView } from './message.js';
import type {
  Channel,
  FindingFacts,
  NotificationRule,
  Person,
  PlannedDelivery,
  Recipient,
  WebhookTarget,
} from './plan.js';
import type { QuietHours } from './quiet-hours.js';
import type { Severity } from './severity.js';

/** Anything that runs SQL (a TypeORM DataSource or EntityManager inside a transaction). */
export interface Sql {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

const quiet = (from: string | null, to: string | null): QuietHours | null => (from && to ? { from, to } : null);

/**
 * Findings waiting in the outbox, oldest first, locked for this transaction; another sender skips them, so
 * two instances never plan one finding at the same time.
 */
export async function takeOutbox(m: Sql, limit: number): Promise<FindingFacts[]> {
  const rows = returnedRows<{ id: string; rule: string; kind: FindingKind; unit_id: string }>(
    await m.query(
      `SELECT v.id, v.rule, v.kind, c.unit_id
         FROM notification_outbox o
         JOIN violations v ON v.id = o.violation_id
         JOIN vehicles c ON c.id = v.vehicle_id
        ORDER BY o.queued_at
        LIMIT $1
        FOR UPDATE OF o SKIP LOCKED`,
      [limit],
    ),
  );
  return rows.map((r) => ({ id: r.id, rule: r.rule, kind: r.kind, unitId: r.unit_id }));
}

export async function clearOutbox(m: Sql, ids: string[]): Promise<void> {
  await m.query(`DELETE FROM notification_outbox WHERE violation_id = ANY($1::uuid[])`, [ids]);
}

/** A row of `notification_rules`, as `SELECT *` returns it. */
export interface NotificationRuleRow {
  id: string;
  name: string;
  active: boolean;
  finding_rules: string[];
  unit_ids: string[];
  min_severity: Severity;
  recipients: Recipient[];
  quiet_from: string | null;
  quiet_to: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function loadActiveRules(m: Sql): Promise<NotificationRule[]> {
  const rows = returnedRows<NotificationRuleRow>(
    await m.query(`SELECT * FROM notification_rules WHERE active ORDER BY created_at, id`),
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    active: r.active,
    findingRules: r.finding_rules,
    unitIds: r.unit_ids,
    minSeverity: r.min_severity,
    recipients: r.recipients,
    quietHours: quiet(r.quiet_from, r.quiet_to),
  }));
}

export async function loadPeople(m: Sql): Promise<Person[]> {
  const rows = returnedRows<{
    id: string;
    username: string;
    roles: Role[];
    active: boolean;
    email: string | null;
    phone: string | null;
    quiet_from: string | null;
    quiet_to: string | null;
  }>(
    await m.query(
      `SELECT u.id, u.username, u.roles, u.active, c.email, c.phone, c.quiet_from, c.quiet_to
         FROM users u LEFT JOIN notification_contacts c ON c.user_id = u.id`,
    ),
  );
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    roles: r.roles,
    active: r.active,
    email: r.email,
    phone: r.phone,
    quietHours: quiet(r.quiet_from, r.quiet_to),
  }));
}

export async function loadWebhooks(m: Sql): Promise<Map<string, WebhookTarget>> {
  const rows = returnedRows<WebhookTarget>(await m.query(`SELECT id, name, url, active FROM notification_webhooks`));
  return new Map(rows.map((r) => [r.id, r]));
}

/** Writes the planned messages; one already planned for the finding, channel and recipient stays as it is. */
export async function insertPlanned(
  m: Sql,
  violationId: string,
  planned: PlannedDelivery[],
  now: Date,
): Promise<number> {
  if (planned.length === 0) return 0;
  const rows = planned.map((d) => ({
    violation_id: violationId,
    notification_rule_id: d.ruleId,
    channel: d.channel,
    recipient_key: d.recipientKey,
    user_id: d.userId,
    webhook_id: d.webhookId,
    address: d.address,
    severity: d.severity,
    status: d.status,
    attempts: d.status === 'sent' ? 1 : 0,
    next_attempt_at: d.status === 'pending' ? now.toISOString() : (d.nextAttemptAt?.toISOString() ?? null),
    last_error: d.note,
    sent_at: d.status === 'sent' ? now.toISOString() : null,
  }));
  const inserted = returnedRows<{ id: string }>(
    await m.query(
      `INSERT INTO notifications (violation_id, notification_rule_id, channel, recipient_key, user_id, webhook_id,
              address, severity, status, attempts, next_attempt_at, last_error, sent_at)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS d(violation_id uuid, notification_rule_id uuid, channel text,
              recipient_key text, user_id uuid, webhook_id uuid, address text, severity text, status text,
              attempts int, next_attempt_at timestamptz, last_error text, sent_at timestamptz)
       ON CONFLICT (violation_id, channel, recipient_key) DO NOTHING
       RETURNING id`,
      [JSON.stringify(rows)],
    ),
  );
  return inserted.length;
}

export interface DueMessage {
  id: string;
  violationId: string;
  ruleId: string | null;
  channel: Channel;
  address: string | null;
  webhookId: string | null;
  severity: Severity;
  attempts: number;
}

/**
 * Messages whose time has come, claimed: their attempt is counted and their next look moved past the lease,
 * so another instance leaves them alone, and a sender that dies mid-attempt has them tried again after it.
 */
export async function claimDue(m: Sql, now: Date, leaseMs: number, limit: number): Promise<DueMessage[]> {
  const rows = returnedRows<{
    id: string;
    violation_id: string;
    notification_rule_id: string | null;
    channel: Channel;
    address: string | null;
    webhook_id: string | null;
    severity: Severity;
    attempts: number;
  }>(
    await m.query(
      `UPDATE notifications n SET attempts = n.attempts + 1, next_attempt_at = $2, updated_at = now()
        WHERE n.id IN (SELECT id FROM notifications
                        WHERE status IN ('pending', 'held', 'retrying') AND next_attempt_at <= $1
                        ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING n.id, n.violation_id, n.notification_rule_id, n.channel, n.address, n.webhook_id, n.severity,
                  n.attempts`,
      [now, new Date(now.getTime() + leaseMs), limit],
    ),
  );
  return rows.map((r) => ({
    id: r.id,
    violationId: r.violation_id,
    ruleId: r.notification_rule_id,
    channel: r.channel,
    address: r.address,
    webhookId: r.webhook_id,
    severity: r.severity,
    attempts: r.attempts,
  }));
}

export async function markSent(m: Sql, id: string, now: Date): Promise<void> {
  await m.query(
    `UPDATE notifications SET status = 'sent', sent_at = $2, next_attempt_at = NULL, last_error = NULL,
            updated_at = now() WHERE id = $1`,
    [id, now],
  );
}

/** A failed attempt: tried again at `retryAt`, or, with none, given up (the dead-letter list). */
export async function markFailed(m: Sql, id: string, error: string, retryAt: Date | null): Promise<void> {
  await m.query(
    `UPDATE notifications SET status = $2, next_attempt_at = $3, last_error = $4, updated_at = now() WHERE id = $1`,
    [id, retryAt ? 'retrying' : 'dead', retryAt, error.slice(0, 1000)],
  );
}

export async function loadFindings(m: Sql, ids: string[]): Promise<Map<string, Omit<FindingView, 'severity'>>> {
  const rows = returnedRows<{
    id: string;
    rule: string;
    kind: FindingKind;
    vehicle_id: string;
    plate_number: string;
    unit_id: string;
    unit_name: string;
    start_time: Date;
    end_time: Date | null;
    lat: number | null;
    lon: number | null;
    place: string | null;
    case_id: string | null;
    detected_at: Date;
  }>(
    await m.query(
      `SELECT v.id, v.rule, v.kind, v.vehicle_id, c.plate_number, c.unit_id, u.name AS unit_name, v.start_time,
              v.end_time, v.lat, v.lon, v.place, v.case_id, v.detected_at
         FROM violations v JOIN vehicles c ON c.id = v.vehicle_id JOIN units u ON u.id = c.unit_id
        WHERE v.id = ANY($1::uuid[])`,
      [ids],
    ),
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        rule: r.rule,
        kind: r.kind,
        vehicleId: r.vehicle_id,
        plateNumber: r.plate_number,
        unitId: r.unit_id,
        unitName: r.unit_name,
        startTime: r.start_time,
        endTime: r.end_time,
        lat: r.lat,
        lon: r.lon,
        place: r.place,
        caseId: r.case_id,
        detectedAt: r.detected_at,
      },
    ]),
  );
}

export async function loadSecrets(m: Sql, ids: string[]): Promise<Map<string, { secret: string; active: boolean }>> {
  if (ids.length === 0) return new Map();
  const rows = returnedRows<{ id: string; secret: string; active: boolean }>(
    await m.query(`SELECT id, secret, active FROM notification_webhooks WHERE id = ANY($1::uuid[])`, [ids]),
  );
  return new Map(rows.map((r) => [r.id, { secret: r.secret, active: r.active }]));
}

export async function loadRuleNames(m: Sql, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = returnedRows<{ id: string; name: string }>(
    await m.query(`SELECT id, name FROM notification_rules WHERE id = ANY($1::uuid[])`, [ids]),
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}
