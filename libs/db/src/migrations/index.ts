import { Foundation1764100000000 } from './1764100000000-foundation.js';
import { Timescale1764100000001 } from './1764100000001-timescale.js';
import { OversightCore1764100000002 } from './1764100000002-oversight-core.js';
import { LiveState1764100000003 } from './1764100000003-live-state.js';
import { IngestLiveFillfactor1764100002000 } from './1764100002000-ingest-live-fillfactor.js';
import { FencesCalendarDispatch1764100003000 } from './1764100003000-fences-calendar-dispatch.js';
import { DetectorState1764100004000 } from './1764100004000-detector-state.js';
import { PaymentGateAndCases1764100005000 } from './1764100005000-payment-gate-and-cases.js';
import { AuditsPurchases1764100006000 } from './1764100006000-audits-purchases.js';
import { LateArrivalsIndex1764100007000 } from './1764100007000-late-arrivals-index.js';
import { AccountsEvidence1764100008000 } from './1764100008000-accounts-evidence.js';
import { MeetingRulesQuotaCatchUp1764100009000 } from './1764100009000-meeting-rules-quota-catch-up.js';
import { Jt8081764100010000 } from './1764100010000-jt808.js';
import { HeardAt1764100015000 } from './1764100015000-heard-at.js';
import { FuelChecks1764100015500 } from './1764100015500-fuel-checks.js';
import { DetectorLeases1764100016200 } from './1764100016200-detector-leases.js';
import { Reports1764100018000 } from './1764100018000-reports.js';
import { Notifications1764100019000 } from './1764100019000-notifications.js';
import { PositionPacks1764100020000 } from './1764100020000-position-packs.js';
import { DetectorPackedState1764100021000 } from './1764100021000-detector-packed-state.js';
import { CaseHistoryInSql1764100022000 } from './1764100022000-case-history-in-sql.js';
import { FindingWithCaseFunction1764100023000 } from './1764100023000-finding-with-case-function.js';

/** Every migration, oldest first. Listed by hand so a build never depends on a file glob. */
export const MIGRATIONS = [
  Foundation1764100000000,
  Timescale1764100000001,
  OversightCore1764100000002,
  LiveState1764100000003,
  IngestLiveFillfactor1764100002000,
  FencesCalendarDispatch1764100003000,
  DetectorState1764100004000,
  PaymentGateAndCases1764100005000,
  AuditsPurchases1764100006000,
  LateArrivalsIndex1764100007000,
  AccountsEvidence1764100008000,
  MeetingRulesQuotaCatchUp1764100009000,
  Jt8081764100010000,
  HeardAt1764100015000,
  FuelChecks1764100015500,
  DetectorLeases1764100016200,
  Reports1764100018000,
  Notifications1764100019000,
  PositionPacks1764100020000,
  DetectorPackedState1764100021000,
  CaseHistoryInSql1764100022000,
  FindingWithCaseFunction1764100023000,
];
