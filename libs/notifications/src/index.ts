export { SEVERITIES, RULE_SEVERITY, severityOf, atLeast } from './severity.js';
export type { Severity } from './severity.js';
export { quietUntil, quietEnd, isClockTime } from './quiet-hours.js';
export type { QuietHours } from './quiet-hours.js';
export { CHANNELS, PERSON_CHANNELS, QUIET_CHANNELS, planDeliveries, ruleMatches, retryDelayMs } from './plan.js';
export type {
  Channel,
  PersonChannel,
  Recipient,
  NotificationRule,
  FindingFacts,
  Person,
  WebhookTarget,
  PlannedDelivery,
  PlannedStatus,
  PlanContext,
} from './plan.js';
export { WEBHOOK_HEADERS, WEBHOOK_TOLERANCE_SECONDS, webhookSignature, webhookProblem } from './webhook-signature.js';
export { emailMessage, smsText, webhookPayload, ruleLabel } from './message.js';
export type { FindingView, MessageOptions } from './message.js';
export { DeliveryError, EmailSender, postWebhook, LoggingSmsSender, SMS_SENDER } from './channels.js';
export type { SmsSender, EmailMessage, WebhookCall } from './channels.js';
export {
  NotificationDispatcher,
  NOTIFICATION_OPTIONS,
  DEFAULT_NOTIFICATION_OPTIONS,
  OUTBOX_CHANNEL,
} from './notification-dispatcher.js';
export type { NotificationOptions, TickResult } from './notification-dispatcher.js';
export { NotificationsModule } from './notifications.module.js';
export type { NotificationRuleRow } from './notification-store.js';
