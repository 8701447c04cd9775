import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { rolesFor } from '#app/auth';
import { CLOCK, type Clock } from '#app/calendar';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { INFRA, type Infrastructure } from '#app/infra';
import { rootLogger, type Logger } from '#app/logging';
import { DeliveryError, EmailSender, postWebhook, SMS_SENDER, type SmsSender } from './channels.js';
import { emailMessage, smsText, webhookPayload, type FindingView, type MessageOptions } from './message.js';
import {
  claimDue,
  clearOutbox,
  insertPlanned,
  loadActiveRules,
  loadFindings,
  loadPeople,
  loadRuleNames,
  loadSecrets,
  loadWebhooks,
  markFailed,
  markSent,
  takeOutbox,
  type DueMessage,
} from './notification-store.js';
import { planDeliveries, retryDelayMs } from './plan.js';

/** The channel the outbox trigger notifies on each new finding. */
export const OUTBOX_CHANNEL = 'notification_outbox';

export interface NotificationOptions {
  /** Look for due messages (retries, the end of quiet hours) this often; 0: only when `tick()` is called. */
  pollMs: number;
  /** Wake at once when a finding is queued (LISTEN); off in tests that step the clock by hand. */
  listen: boolean;
  /** Findings planned per transaction, messages attempted per pass. */
  batchSize: number;
}

export const NOTIFICATION_OPTIONS = Symbol('NOTIFICATION_OPTIONS');

export const DEFAULT_NOTIFICATION_OPTIONS: NotificationOptions = { pollMs: 5_000, listen: true, batchSize: 50 };

export interface TickResult {
  /** Findings taken out of the outbox. */
  findings: number;
  /** Messages planned (new rows of the log). */
  planned: number;
  sent: number;
  failed: number;
}

/**
 * The sender: takes new findings out of the outbox and plans their messages under the notification rules
 * (one transaction per batch: planned and taken out together, or neither), then delivers what is due — new
 * messages, retries whose backoff has passed, messages held through quiet hours — and records each attempt.
 * One pass at a time per instance; several instances share the work through row locks.
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log: Logger;
  private readonly email: EmailSender;
  private readonly messageOptions: MessageOptions;
  private listenClient?: pg.Client;
  private timer?: NodeJS.Timeout;
  private running?: Promise<TickResult>;
  private again = false;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(INFRA) private readonly infra: Infrastructure,
    @Inject(NOTIFICATION_OPTIONS) private readonly options: NotificationOptions,
    @Inject(SMS_SENDER) private readonly sms: SmsSender,
  ) {
    this.log = rootLogger(config.logLevel).child({ component: 'notifications' });
    const n = config.notifications;
    this.email = new EmailSender(n.smtpUrl, n.smtpFrom, n.timeoutSeconds * 1000);
    this.messageOptions = { timeZone: config.tzPolicy, publicUrl: n.publicUrl };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.listen) await this.listen();
    if (this.options.pollMs > 0) {
      this.timer = setInterval(() => void this.tick(), this.options.pollMs);
      this.timer.unref();
      void this.tick();
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.listenClient?.end().catch(() => undefined);
    this.email.close();
  }

  /**
   * One pass: plan every queued finding, then attempt every due message. A call during a pass runs one more
   * pass after it (what the call wanted may have arrived too late for the running one). Never throws.
   */
  tick(): Promise<TickResult> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.tick();
      }
    });
    return this.running;
  }

  private async pass(): Promise<TickResult> {
    const result: TickResult = { findings: 0, planned: 0, sent: 0, failed: 0 };
    if (this.stopped) return result;
    try {
      for (;;) {
        const [findings, planned] = await this.planBatch();
        result.findings += findings;
        result.planned += planned;
        if (findings < this.options.batchSize) break;
      }
      for (;;) {
        const due = await claimDue(this.db, this.clock.now(), this.leaseMs(), this.options.batchSize);
        if (due.length === 0) break;
        const outcomes = await this.deliver(due);
        result.sent += outcomes.filter(Boolean).length;
        result.failed += outcomes.filter((ok) => !ok).length;
        if (due.length < this.options.batchSize || this.stopped) break;
      }
    } catch (error) {
      this.log.error({ err: error }, 'notification pass failed; the next one tries again');
    }
    return result;
  }

  private leaseMs(): number {
    return this.config.notifications.timeoutSeconds * 2_000 + 30_000;
  }

  private planBatch(): Promise<[number, number]> {
    return this.db.transaction(async (m) => {
      const findings = await takeOutbox(m, this.options.batchSize);
      if (findings.length === 0) return [0, 0];
      const now = this.clock.now();
      // One after the other: a transaction is one connection.
      const rules = await loadActiveRules(m);
      const people = await loadPeople(m);
      const webhooks = await loadWebhooks(m);
      const context = { now, timeZone: this.config.tzPolicy, people, webhooks, liveRoles: rolesFor('fleet.watch') };
      let planned = 0;
      for (const finding of findings) {
        planned += await insertPlanned(m, finding.id, planDeliveries(finding, rules, context), now);
      }
      await clearOutbox(
        m,
        findings.map((f) => f.id),
      );
      return [findings.length, planned];
    });
  }

  /** Attempts each message once; true where it went. */
  private async deliver(due: DueMessage[]): Promise<boolean[]> {
    const [findings, secrets, ruleNames] = await Promise.all([
      loadFindings(this.db, [...new Set(due.map((d) => d.violationId))]),
      loadSecrets(this.db, [...new Set(due.flatMap((d) => (d.webhookId ? [d.webhookId] : [])))]),
      loadRuleNames(this.db, [...new Set(due.flatMap((d) => (d.ruleId ? [d.ruleId] : [])))]),
    ]);
    return Promise.all(
      due.map(async (message) => {
        const finding = findings.get(message.violationId);
        try {
          if (!finding) throw new DeliveryError('the finding no longer exists');
          await this.send(message, { ...finding, severity: message.severity }, secrets, ruleNames);
        } catch (error) {
          await this.failed(message, error);
          return false;
        }
        try {
          await markSent(this.db, message.id, this.clock.now());
        } catch (error) {
          // Delivered but not recorded: the lease runs out and it goes again (receivers see the same delivery id).
          this.log.error({ err: error, notification: message.id }, 'a sent notification could not be recorded');
        }
        return true;
      }),
    );
  }

  private async send(
    message: DueMessage,
    finding: FindingView,
    secrets: Map<string, { secret: string; active: boolean }>,
    ruleNames: Map<string, string>,
  ): Promise<void> {
    switch (message.channel) {
      case 'email':
        return this.email.send({ to: message.address!, ...emailMessage(finding, this.messageOptions) });
      case 'sms':
        return this.sms.send(message.address!, smsText(finding, this.messageOptions));
      case 'webhook': {
        const target = message.webhookId ? secrets.get(message.webhookId) : undefined;
        if (!target) throw new DeliveryError('the webhook no longer exists');
        if (!target.active) throw new DeliveryError('the webhook is switched off');
        const rule = message.ruleId ? { id: message.ruleId, name: ruleNames.get(message.ruleId) ?? '' } : null;
        return postWebhook(
          {
            url: message.address!,
            secret: target.secret,
            deliveryId: message.id,
            body: JSON.stringify(webhookPayload(message.id, finding, rule)),
            timestamp: Math.floor(this.clock.now().getTime() / 1000),
          },
          this.config.notifications.timeoutSeconds * 1000,
        );
      }
      case 'dashboard':
        // Published when planned; a dashboard message is never due. Kept for the compiler's sake.
        return;
    }
  }

  private async failed(message: DueMessage, error: unknown): Promise<void> {
    const n = this.config.notifications;
    const reason = error instanceof Error ? error.message : String(error);
    const retryAt =
      message.attempts >= n.maxAttempts
        ? null
        : new Date(
            this.clock.now().getTime() +
              retryDelayMs(message.attempts, n.retryBaseSeconds * 1000, n.retryMaxSeconds * 1000),
          );
    try {
      await markFailed(this.db, message.id, reason, retryAt);
    } catch (markError) {
      // The lease runs out and the message is tried again: a failure is never lost, at worst repeated.
      this.log.error({ err: markError, notification: message.id }, 'recording a failed attempt failed');
      return;
    }
    const context = { notification: message.id, channel: message.channel, attempt: message.attempts, reason };
    if (retryAt) this.log.warn({ ...context, retryAt }, 'notification failed; will retry');
    else this.log.error(context, 'notification failed for the last time: moved to the dead-letter list');
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.infra.databaseUrl });
    client.on('error', (error) => {
      // The poll goes on; the next start listens again.
      this.log.warn({ err: error }, 'notification wake-up connection lost; polling only');
      if (this.listenClient === client) this.listenClient = undefined;
    });
    client.on('notification', () => void this.tick());
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.listenClient = client;
    } catch (error) {
      this.log.warn({ err: error }, 'could not listen for new findings; polling only');
      await client.end().catch(() => undefined);
    }
  }
}
