import nodemailer, { type Transporter } from 'nodemailer';
import { rootLogger, type Logger } from '#app/logging';
import { WEBHOOK_HEADERS, webhookSignature } from './webhook-signature.js';

/** A channel's answer to one attempt: thrown errors mean "try again later". */
export class DeliveryError extends Error {}

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  /** Files sent with the message (a scheduled report). */
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

/** E-mail over SMTP (SMTP_URL), through nodemailer. */
export class EmailSender {
  private transport?: Transporter;

  constructor(
    private readonly smtpUrl: string | undefined,
    private readonly from: string,
    private readonly timeoutMs: number,
  ) {}

  async send(message: EmailMessage): Promise<void> {
    if (!this.smtpUrl) throw new DeliveryError('e-mail is not configured: SMTP_URL is not set');
    this.transport ??= nodemailer.createTransport({
      url: this.smtpUrl,
      connectionTimeout: this.timeoutMs,
      greetingTimeout: this.timeoutMs,
      socketTimeout: this.timeoutMs,
    });
    try {
      const info = await this.transport.sendMail({ from: this.from, ...message });
      const refused = info.rejected ?? [];
      if (refused.length > 0) throw new DeliveryError(`the SMTP server refused ${refused.join(', ')}`);
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      throw new DeliveryError(`SMTP: ${(error as Error).message}`);
    }
  }

  close(): void {
    this.transport?.close();
  }
}

export interface WebhookCall {
  url: string;
  secret: string;
  deliveryId: string;
  body: string;
  /** Unix seconds of this attempt (from the app's clock). */
  timestamp: number;
}

/** A signed POST; any answer but 2xx, a timeout or a network error is a failure to retry. */
export async function postWebhook(call: WebhookCall, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(call.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'oversight-notifications/1',
        [WEBHOOK_HEADERS.event]: 'finding',
        [WEBHOOK_HEADERS.delivery]: call.deliveryId,
        [WEBHOOK_HEADERS.timestamp]: String(call.timestamp),
        [WEBHOOK_HEADERS.signature]: webhookSignature(call.secret, call.timestamp, call.body),
      },
      body: call.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new DeliveryError(`webhook: ${reason}`);
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.status < 200 || res.status >= 300) throw new DeliveryError(`webhook answered HTTP ${res.status}`);
}

/**
 * What an SMS gateway adapter does. The service ships only the logging one: a provider's adapter (the
 * district's SMS platform, a cloud SMS service) implements this and is provided under SMS_SENDER.
 */
export interface SmsSender {
  /** Resolves once the provider accepted the text; throws (DeliveryError) to have it retried. */
  send(phone: string, text: string): Promise<void>;
}

export const SMS_SENDER = Symbol('SMS_SENDER');

/** Writes each text to the log instead of sending it: for trials, and the shape of a real adapter. */
export class LoggingSmsSender implements SmsSender {
  readonly sent: { phone: string; text: string }[] = [];
  private readonly log: Logger;

  constructor(logLevel: Parameters<typeof rootLogger>[0]) {
    this.log = rootLogger(logLevel).child({ component: 'sms' });
  }

  async send(phone: string, text: string): Promise<void> {
    this.log.info({ phone, text }, 'sms (logged, not sent: no SMS gateway is configured)');
    this.sent.push({ phone, text });
    if (this.sent.length > 1000) this.sent.shift();
  }
}
