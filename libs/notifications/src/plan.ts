import type { Role } from '#app/db';
import type { FindingKind } from '#app/rules';
import { quietEnd, type QuietHours } from './quiet-hours.js';
import { atLeast, severityOf, type Severity } from './severity.js';

export const CHANNELS = ['dashboard', 'email', 'webhook', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];
/** The channels that reach a person (a webhook reaches a system). */
export const PERSON_CHANNELS = ['dashboard', 'email', 'sms'] as const;
export type PersonChannel = (typeof PERSON_CHANNELS)[number];
/** Quiet hours hold or drop only what would interrupt a person away from the screen. */
export const QUIET_CHANNELS: readonly Channel[] = ['email', 'sms'];

export type Recipient =
  { userId: string; channels: PersonChannel[] } | { role: Role; channels: PersonChannel[] } | { webhookId: string };

export interface NotificationRule {
  id: string;
  name: string;
  active: boolean;
  /** Finding rule codes (`leaving_jurisdiction`…); empty: every rule. */
  findingRules: string[];
  /** Units of the car; empty: every unit. */
  unitIds: string[];
  minSeverity: Severity;
  recipients: Recipient[];
  quietHours: QuietHours | null;
}

export interface FindingFacts {
  id: string;
  rule: string;
  kind: FindingKind;
  unitId: string;
}

export interface Person {
  id: string;
  username: string;
  roles: Role[];
  active: boolean;
  email: string | null;
  phone: string | null;
  quietHours: QuietHours | null;
}

export interface WebhookTarget {
  id: string;
  name: string;
  url: string;
  active: boolean;
}

/**
 * What happens to one message when it is planned: `pending` goes now, `held` waits for the end of quiet hours,
 * `sent` is done already (the dashboard push is published with the plan), `suppressed` is dropped by quiet
 * hours (low severity), `skipped` cannot be addressed (no e-mail address, a disabled user…).
 */
export type PlannedStatus = 'pending' | 'held' | 'sent' | 'suppressed' | 'skipped';

export interface PlannedDelivery {
  channel: Channel;
  /** `user:<id>` or `webhook:<id>`: with the finding and the channel, what makes a message unique. */
  recipientKey: string;
  userId: string | null;
  webhookId: string | null;
  address: string | null;
  ruleId: string;
  severity: Severity;
  status: PlannedStatus;
  nextAttemptAt: Date | null;
  /** Why it is held, suppressed or skipped. */
  note: string | null;
}

export function ruleMatches(rule: NotificationRule, finding: FindingFacts, severity: Severity): boolean {
  return (
    rule.active &&
    (rule.findingRules.length === 0 || rule.findingRules.includes(finding.rule)) &&
    (rule.unitIds.length === 0 || rule.unitIds.includes(finding.unitId)) &&
    atLeast(severity, rule.minSeverity)
  );
}

export interface PlanContext {
  now: Date;
  timeZone: string;
  people: Person[];
  webhooks: Map<string, WebhookTarget>;
  /** Roles that may open the live channel the dashboard push travels on. */
  liveRoles: readonly Role[];
}

/**
 * Every message a finding causes under the rules: each matching rule's recipients, a role standing for its
 * active members, on each of their channels. A person reached by several rules (or by name and by role) on
 * one channel gets one message, planned by the rule that lets it go soonest.
 */
export function planDeliveries(finding: FindingFacts, rules: NotificationRule[], ctx: PlanContext): PlannedDelivery[] {
  const severity = severityOf(finding.rule, finding.kind);
  const byId = new Map(ctx.people.map((p) => [p.id, p]));
  const chosen = new Map<string, PlannedDelivery>();
  const offer = (d: PlannedDelivery) => {
    const key = `${d.channel}|${d.recipientKey}`;
    const held = chosen.get(key);
    if (!held || better(d, held)) chosen.set(key, d);
  };
  for (const rule of rules) {
    if (!ruleMatches(rule, finding, severity)) continue;
    for (const recipient of rule.recipients) {
      if ('webhookId' in recipient) {
        offer(webhookDelivery(recipient.webhookId, ctx.webhooks.get(recipient.webhookId), rule, severity));
        continue;
      }
      const people =
        'userId' in recipient
          ? [byId.get(recipient.userId) ?? missingPerson(recipient.userId)]
          : ctx.people.filter((p) => p.active && p.roles.includes(recipient.role));
      for (const person of people) {
        for (const channel of recipient.channels) offer(personDelivery(person, channel, rule, severity, ctx));
      }
    }
  }
  return [...chosen.values()];
}

const RANK: Record<PlannedStatus, number> = { sent: 0, pending: 0, held: 1, suppressed: 2, skipped: 3 };

function better(a: PlannedDelivery, b: PlannedDelivery): boolean {
  if (RANK[a.status] !== RANK[b.status]) return RANK[a.status] < RANK[b.status];
  return a.status === 'held' && a.nextAttemptAt! < b.nextAttemptAt!;
}

const missingPerson = (id: string): Person => ({
  id,
  username: '',
  roles: [],
  active: false,
  email: null,
  phone: null,
  quietHours: null,
});

function webhookDelivery(
  id: string,
  target: WebhookTarget | undefined,
  rule: NotificationRule,
  severity: Severity,
): PlannedDelivery {
  const base = {
    channel: 'webhook' as const,
    recipientKey: `webhook:${id}`,
    userId: null,
    webhookId: target ? id : null,
    address: target?.url ?? null,
    ruleId: rule.id,
    severity,
  };
  if (!target) return { ...base, status: 'skipped', nextAttemptAt: null, note: 'the webhook no longer exists' };
  if (!target.active) return { ...base, status: 'skipped', nextAttemptAt: null, note: 'the webhook is switched off' };
  return { ...base, status: 'pending', nextAttemptAt: null, note: null };
}

function personDelivery(
  person: Person,
  channel: PersonChannel,
  rule: NotificationRule,
  severity: Severity,
  ctx: PlanContext,
): PlannedDelivery {
  const address = channel === 'email' ? person.email : channel === 'sms' ? person.phone : person.username || null;
  const base = {
    channel,
    recipientKey: `user:${person.id}`,
    userId: person.username ? person.id : null,
    address,
    webhookId: null,
    ruleId: rule.id,
    severity,
    nextAttemptAt: null,
  };
  const skip = (note: string): PlannedDelivery => ({ ...base, status: 'skipped', note });
  if (!person.username) return skip('the user no longer exists');
  if (!person.active) return skip('the user is disabled');
  if (channel === 'dashboard') {
    if (!person.roles.some((r) => ctx.liveRoles.includes(r))) {
      return skip('the user has no role that may open the live map');
    }
    return { ...base, status: 'sent', nextAttemptAt: null, note: null };
  }
  if (!address) return skip(channel === 'email' ? 'the user has no e-mail address' : 'the user has no phone number');
  const quiet = QUIET_CHANNELS.includes(channel)
    ? quietEnd(ctx.now, [rule.quietHours, person.quietHours], ctx.timeZone)
    : null;
  if (!quiet) return { ...base, status: 'pending', note: null };
  if (severity === 'low') return { ...base, status: 'suppressed', note: 'low severity during quiet hours' };
  return { ...base, status: 'held', nextAttemptAt: quiet, note: 'held for the end of quiet hours' };
}

/** The wait before attempt `attempt + 1` after `attempt` failed: base, 2 × base, 4 × base… up to the cap. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
