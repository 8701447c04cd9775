export { OversightStats, OUTCOMES } from './oversight-stats.js';
export type { OversightFigures, OversightStatsReport, Queryable } from './oversight-stats.js';
export { REPORT_KINDS, REPORT_FORMATS, MEDIA_TYPES, noProgress } from './report-model.js';
export type { ReportDocument, ReportFormat, ReportKind, Section, Progress } from './report-model.js';
export {
  ReportError,
  REPORT_ERRORS,
  MAX_ACTIVITY_DAYS,
  checkRequest,
  localPeriod,
  monthDays,
  periodKey,
} from './report-request.js';
export type { ReportErrorCode, ReportRequest } from './report-request.js';
export { stopsBetween } from './activity-report.js';
export { formatValue, wallTime, hoursMinutes, kilometres } from './format.js';
export { niceMax, renderPdf } from './render-pdf.js';
export { renderXlsx } from './render-xlsx.js';
export { ReportMaker } from './report-maker.js';
export type { MadeReport } from './report-maker.js';
export { ReportJobs, jobView, LEASE_MS, MAX_ATTEMPTS } from './report-jobs.js';
export type { JobFilter, JobRow, JobStatus, JobTrigger, ProgressListener, ReportJobView } from './report-jobs.js';
export { ArchiveChannel, ReportDelivery, REPORT_DELIVERY_CHANNELS } from './delivery.js';
export type { DeliverableReport, DeliveryReceipt, ReportDeliveryChannel } from './delivery.js';
export { ReportsCoreModule } from './reports-core.module.js';
export {
  RULE_NAMES,
  CATEGORY_NAMES,
  CASE_STATUS_NAMES,
  OUTCOME_NAMES,
  AUDIT_ITEM_NAMES,
  FINDING_KIND_NAMES,
  GATE_REASON_NAMES,
  nameOf,
} from './labels.js';
