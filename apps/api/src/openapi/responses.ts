import { ROLES, VEHICLE_CATEGORIES } from '#app/db';
import { COORDINATE_SYSTEMS, FENCE_KINDS, SHAPE_TYPES } from '#app/geo';
import { CHANNELS, PERSON_CHANNELS, SEVERITIES } from '#app/notifications';
import { RULE_NAMES } from '#app/rules';
import { LOG_STATUSES } from '../notifications/notifications.dto.js';
import { REPORT_FORMATS, REPORT_KINDS } from '#app/reports';
import { EXPENSE_TYPES } from '../payment-gate/check-request.js';
import { REASON_CODES } from '../payment-gate/reasons.js';

/**
 * The success answers of the REST API as JSON Schema (OpenAPI 3.0), by the names operations.ts uses. They
 * say what the services return: `nullable` where a field can be null, integers where the value is a count.
 * Objects list what they always carry as `required`; extra fields may be added later without notice.
 */
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const string = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const uuid: Schema = { type: 'string', format: 'uuid' };
const dateTime: Schema = { type: 'string', format: 'date-time' };
const day: Schema = { type: 'string', format: 'date' };
const integer: Schema = { type: 'integer' };
const count: Schema = { type: 'integer', minimum: 0 };
const number: Schema = { type: 'number' };
const boolean: Schema = { type: 'boolean' };
const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });
const array = (items: Schema): Schema => ({ type: 'array', items });
const oneOf = (values: readonly string[]): Schema => ({ type: 'string', enum: [...values] });
/** An object whose properties are all present (those named in `optional` may be absent). */
const object = (properties: Record<string, Schema>, optional: string[] = []): Schema => ({
  type: 'object',
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  properties,
});
/** An object whose content depends on the record (history data, rule parameters, evidence details). */
const free = (description: string): Schema => ({ type: 'object', description, additionalProperties: true });

const money = string({ pattern: '^\\d+\\.\\d{2}$', description: 'CNY as a decimal string with two places' });
const sha256 = string({ pattern: '^[0-9a-f]{64}$', description: 'lowercase hex SHA-256 of the bytes' });
const terminalId = string({ pattern: '^[A-Za-z0-9_-]{1,32}$', example: '13800000001' });
const isoWeek = string({ pattern: '^\\d{4}-W\\d{2}$', example: '2026-W48' });
const roles = array(oneOf(ROLES));
const category = oneOf(VEHICLE_CATEGORIES);
const page = (item: string): Schema => object({ items: array(ref(item)), total: count, limit: integer, offset: count });
/** GeoJSON geometry: the type and its coordinates (nested arrays of [lon, lat]). */
const geometry: Schema = object({
  type: string({ example: 'Point' }),
  coordinates: { type: 'array', items: {}, description: 'GeoJSON coordinates, [lon, lat] in WGS-84' },
});

const checkResponse = {
  checkId: uuid,
  decision: oneOf(['allow', 'deny']),
  reasons: array(object({ code: oneOf(REASON_CODES), message: string() })),
  vehicle: nullable(object({ id: uuid, plateNumber: string({ example: '苏NA1234' }), unit: nullable(string()) })),
  checkedAt: string({ format: 'date-time', example: '2026-11-26T10:01:02+08:00' }),
};

const caseView = {
  id: uuid,
  title: string(),
  rule: string(),
  localDay: day,
  source: oneOf(['violation', 'audit']),
  status: string({ example: 'investigating' }),
  allowedNext: array(string()),
  vehicle: object({ id: uuid, plateNumber: string(), unit: object({ id: uuid, name: string() }) }),
  assignee: nullable(object({ id: uuid, username: nullable(string()) })),
  dismissReason: nullable(string()),
  outcome: nullable(string()),
  outcomeLabel: nullable(string()),
  sanctionKind: nullable(string()),
  sanctionKindLabel: nullable(string()),
  responsiblePerson: nullable(string()),
  rectificationNote: nullable(string()),
  violationCount: count,
  openedAt: dateTime,
  updatedAt: dateTime,
};

const vehicleView = {
  id: uuid,
  plateNumber: string({ example: '苏N·A1234' }),
  plateNormalized: string({ example: '苏NA1234' }),
  category,
  unitId: uuid,
  unitName: string(),
  status: oneOf(['active', 'decommissioned']),
  commissionedOn: day,
  decommissionedOn: nullable(day),
  createdAt: dateTime,
};

const terminalView = {
  terminalId,
  model: nullable(string()),
  active: boolean,
  createdAt: dateTime,
  vehicleId: nullable(uuid),
  plateNumber: nullable(string()),
  boundSince: nullable(day),
};

const violationView = {
  id: uuid,
  vehicleId: uuid,
  plateNumber: string(),
  unitId: uuid,
  terminalId: nullable(string()),
  rule: string(),
  kind: oneOf(['violation', 'suspicion']),
  startTime: dateTime,
  endTime: nullable(dateTime),
  lat: nullable(number),
  lon: nullable(number),
  place: nullable(string()),
  fenceId: nullable(uuid),
  caseId: nullable(uuid),
  detectedAt: dateTime,
  evidence: free('what the finding rests on: times, positions, the fence, the rule parameters'),
};

const liveVehicle = {
  vehicleId: uuid,
  plateNumber: string(),
  unitId: uuid,
  unitName: string(),
  category,
  terminalId: nullable(string()),
  state: oneOf(['online', 'offline', 'never_reported']),
  online: boolean,
  fixTime: nullable(dateTime),
  receivedAt: nullable(dateTime),
  speedKmh: nullable(number),
  headingDeg: nullable(number),
  ignition: nullable(boolean),
  alarmFlags: nullable(integer),
  valid: nullable(boolean),
};

const statsFigures = {
  meetingsHeld: count,
  requestsApproved: count,
  requestsRejected: count,
  fundsSavedCny: money,
  findingsByRule: array(object({ rule: string(), violations: count, suspicions: count })),
  cases: object({ opened: count, confirmed: count, rectified: count, dismissed: count }),
  peopleByOutcome: { type: 'object', additionalProperties: count, description: 'people per case outcome' },
  peopleAdmonishedOrSanctioned: count,
  paymentGate: object({ checks: count, denials: count, blockedCny: money }),
  audit: object({
    weeksDrawn: count,
    carsDrawn: count,
    distinctCars: count,
    itemsReviewed: count,
    issuesFound: count,
    fleet: count,
    coverage: number,
  }),
};

const coverage = object({
  fromWeek: isoWeek,
  toWeek: isoWeek,
  fleet: count,
  audited: count,
  reviewed: count,
  share: number,
});

const auditItem = object({
  id: uuid,
  vehicleId: uuid,
  plateNumber: string(),
  position: integer,
  status: string({ example: 'pending' }),
  overdue: boolean,
  previousWeek: object({
    trips: count,
    distanceKm: number,
    offHoursDistanceKm: number,
    findings: array(
      object({ kind: string(), rule: string(), caseId: nullable(uuid), startTime: dateTime, violationId: uuid }),
    ),
  }),
  note: nullable(string()),
  caseId: nullable(uuid),
  reviewedBy: nullable(string()),
  reviewedAt: nullable(dateTime),
});

const tally = object({
  members: count,
  present: count,
  approve: count,
  reject: count,
  abstain: count,
  notVoted: count,
});

const standard = object({ priceLimitCny: money, engineLimitL: number });

const quietHours = nullable(
  object({
    from: string({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', example: '22:00' }),
    to: string({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', example: '07:00' }),
  }),
);
const webhookView = {
  id: uuid,
  name: string(),
  url: string({ format: 'uri' }),
  active: boolean,
  createdAt: dateTime,
  updatedAt: dateTime,
};
const notificationView = {
  id: uuid,
  violationId: uuid,
  findingRule: string({ example: 'leaving_jurisdiction' }),
  severity: oneOf(SEVERITIES),
  channel: oneOf(CHANNELS),
  recipient: object({
    userId: nullable(uuid),
    username: nullable(string()),
    webhookId: nullable(uuid),
    webhookName: nullable(string()),
  }),
  address: nullable(string({ description: 'the e-mail address, phone number, webhook URL or user name used' })),
  status: oneOf(LOG_STATUSES),
  attempts: count,
  nextAttemptAt: nullable(dateTime),
  lastError: nullable(
    string({ description: 'why the last attempt failed, or why it was held, suppressed or skipped' }),
  ),
  notificationRule: nullable(object({ id: uuid, name: string() })),
  createdAt: dateTime,
  sentAt: nullable(dateTime),
  resentBy: nullable(string()),
  resentAt: nullable(dateTime),
};
const reportJob = object({
  id: uuid,
  kind: oneOf(REPORT_KINDS),
  format: oneOf(REPORT_FORMATS),
  request: free('the report as asked: kind and its fields (vehicleId or unitId, from, to; week; year, month)'),
  period: string({ example: '2026-03' }),
  unitId: nullable({ ...uuid, description: 'the unit whose cars the report covers; null for the fleet or a summary' }),
  status: oneOf(['queued', 'running', 'done', 'failed']),
  progress: { type: 'integer', minimum: 0, maximum: 100, description: 'per cent done' },
  trigger: oneOf(['request', 'schedule']),
  requestedBy: string(),
  attempts: count,
  error: nullable(string({ description: 'why the job failed' })),
  file: nullable(object({ name: string(), mediaType: string(), size: count, sha256 })),
  deliveries: array(
    object({
      channel: string({ example: 'archive' }),
      recipient: string(),
      status: oneOf(['delivered', 'failed']),
      detail: nullable(string()),
      at: dateTime,
    }),
  ),
  createdAt: dateTime,
  startedAt: nullable(dateTime),
  finishedAt: nullable(dateTime),
});

export const RESPONSE_SCHEMAS: Record<string, Schema> = {
  NotificationRule: object({
    id: uuid,
    name: string(),
    active: boolean,
    findingRules: array(oneOf(RULE_NAMES)),
    unitIds: array(uuid),
    minSeverity: oneOf(SEVERITIES),
    recipients: array(
      object({ userId: uuid, role: oneOf(ROLES), webhookId: uuid, channels: array(oneOf(PERSON_CHANNELS)) }, [
        'userId',
        'role',
        'webhookId',
        'channels',
      ]),
    ),
    quietHours,
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
  NotificationWebhook: object(webhookView),
  NewNotificationWebhook: object({
    ...webhookView,
    secret: string({ description: 'the HMAC key of the signatures; shown only here' }),
  }),
  NotificationWebhookSecret: object({
    id: uuid,
    secret: string({ description: 'the new HMAC key; the old one stops at once; shown only here' }),
  }),
  NotificationContact: object({
    userId: uuid,
    username: string(),
    roles,
    active: boolean,
    email: nullable(string({ format: 'email' })),
    phone: nullable(string()),
    quietHours,
  }),
  Notification: object(notificationView),
  NotificationPage: page('Notification'),
  Health: object({
    status: oneOf(['ok']),
    database: oneOf(['up']),
    warnings: array(object({ code: string({ example: 'CALENDAR_NEXT_YEAR_MISSING' }), message: string() })),
  }),
  Liveness: object({ status: oneOf(['live']), uptimeSeconds: count }),
  Readiness: object({
    status: oneOf(['ready', 'not-ready']),
    phase: oneOf(['starting', 'up', 'stopping']),
    checks: array(
      object({
        app: oneOf(['api', 'gateway', 'detector', 'scheduler']),
        dependency: oneOf(['database', 'broker']),
        status: oneOf(['up', 'down']),
      }),
    ),
  }),
  Me: object({
    id: nullable(uuid),
    kind: oneOf(['user', 'api-key']),
    name: string(),
    roles,
    unitId: nullable(uuid),
    mustChangePassword: boolean,
  }),
  Token: object({
    accessToken: string(),
    expiresIn: { type: 'integer', description: 'seconds', example: 3600 },
    roles,
    mustChangePassword: boolean,
  }),
  NewApiKey: object({ id: uuid, name: string(), roles, key: string({ description: 'shown only here' }) }),
  ApiKey: object({
    id: uuid,
    name: string(),
    roles,
    createdBy: nullable(uuid),
    createdAt: dateTime,
    revokedAt: nullable(dateTime),
    lastUsedAt: nullable(dateTime),
  }),
  User: object({
    id: uuid,
    username: string(),
    roles,
    unitId: nullable(uuid),
    active: boolean,
    mustChangePassword: boolean,
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
  TemporaryPassword: object({ temporaryPassword: string() }),

  CheckResponse: object(checkResponse),
  CheckPage: object({
    items: array(
      object({
        ...checkResponse,
        plateNumber: string(),
        expenseType: oneOf(EXPENSE_TYPES),
        amount: money,
        invoiceNo: string(),
        expenseDate: day,
        checkedBy: string(),
      }),
    ),
    total: count,
    limit: integer,
    offset: count,
  }),

  Case: object(caseView),
  CasePage: page('Case'),
  CaseDetail: object({
    ...caseView,
    violations: array(
      object({
        id: uuid,
        rule: string(),
        kind: string(),
        terminalId: nullable(string()),
        startTime: dateTime,
        endTime: nullable(dateTime),
        lat: nullable(number),
        lon: nullable(number),
        place: nullable(string()),
        fenceId: nullable(uuid),
        evidence: free('what the finding rests on'),
        detectedAt: dateTime,
      }),
    ),
    attachments: array(ref('CaseAttachment')),
    notes: array(ref('CaseNote')),
    history: array(object({ seq: integer, at: dateTime, action: string(), actor: string(), data: free('the change') })),
  }),
  CaseAttachment: object({
    id: uuid,
    fileName: string(),
    mediaType: string(),
    size: count,
    sha256,
    uploadedBy: string(),
    uploadedAt: dateTime,
  }),
  CaseNote: object({ id: uuid, text: string(), author: string(), createdAt: dateTime }),
  CaseFile: object({
    id: uuid,
    caseId: uuid,
    fileName: string(),
    mediaType: string({ example: 'application/pdf' }),
    size: count,
    sha256,
    description: nullable(string()),
    uploadedBy: string(),
    uploadedAt: dateTime,
  }),

  HistoryVerification: object(
    {
      ok: boolean,
      entries: count,
      lastHash: string(),
      brokenAt: object({ seq: integer, reason: oneOf(['link-mismatch', 'hash-mismatch']) }),
      evidenceMismatches: array(object({ fileId: uuid, caseId: uuid, problem: string() })),
    },
    ['lastHash', 'brokenAt'],
  ),
  HistoryHead: object({
    seq: { type: 'integer', minimum: 0, description: '0 while the history is empty' },
    hash: string({ pattern: '^[0-9a-f]{64}$' }),
    at: nullable(dateTime),
    statement: string({ example: 'history-head seq=42 hash=… at=2026-11-26T02:00:00.000Z' }),
  }),
  HistoryPage: object({
    items: array(
      object({
        seq: integer,
        at: dateTime,
        entityType: string(),
        entityId: string(),
        action: string(),
        actor: string(),
        data: free('the change, as recorded'),
        prevHash: string(),
        hash: string(),
      }),
    ),
    nextAfterSeq: nullable(integer),
  }),

  FleetLive: {
    description:
      'The plain view (`vehicles`), or with `format=geojson` a FeatureCollection of points (`type`, `features`); both carry the counts.',
    ...object(
      {
        at: dateTime,
        replayClock: nullable(dateTime),
        offlineAfterSeconds: integer,
        counts: object({ total: count, online: count, offline: count, neverReported: count }),
        vehicles: array(object({ ...liveVehicle, lat: nullable(number), lon: nullable(number) })),
        type: oneOf(['FeatureCollection']),
        features: array(object({ type: oneOf(['Feature']), id: uuid, geometry, properties: object(liveVehicle) })),
      },
      ['vehicles', 'type', 'features'],
    ),
  },
  VehicleTrack: {
    description:
      'The GeoJSON form (the default), or with `format=compact` the compact form; both carry `next` (a cursor ' +
      'for the next page, null when the range is complete).',
    oneOf: [ref('VehicleTrackGeoJson'), ref('VehicleTrackCompact')],
  },
  VehicleTrackGeoJson: object({
    type: oneOf(['FeatureCollection']),
    vehicleId: uuid,
    plateNumber: string(),
    from: dateTime,
    to: dateTime,
    features: array(
      object({
        type: oneOf(['Feature']),
        geometry: nullable(geometry),
        properties: { type: 'object', required: ['kind'], properties: { kind: string() }, additionalProperties: true },
      }),
    ),
    next: nullable(string({ description: 'pass as `after` for the next page; null when the range is complete' })),
  }),
  VehicleTrackCompact: {
    description:
      'The fixes column by column in chunks (docs/api.md, "Tracks for maps"). Columns marked as differences hold ' +
      'the first value of the chunk, then each fix minus the one before (null where nothing was sent, skipped by ' +
      'the differences); columns marked as runs hold [value, count] pairs.',
    ...object({
      format: oneOf(['compact']),
      vehicleId: uuid,
      plateNumber: string(),
      from: dateTime,
      to: dateTime,
      simplifyM: nullable(number),
      chunks: array(
        object({
          n: count,
          timeMs: array({ ...integer, description: 'fix time, ms since 1970: differences' }),
          latE6: array(nullable({ ...integer, description: 'latitude, 1e-6 degree (WGS-84): differences' })),
          lonE6: array(nullable({ ...integer, description: 'longitude, 1e-6 degree (WGS-84): differences' })),
          speedDkmh: array(nullable({ ...integer, description: 'speed, 0.1 km/h' })),
          headingDeg: array(nullable(integer)),
          odometerM: array(nullable({ ...integer, description: 'odometer, metres: differences' })),
          ignition: array(nullable({ ...integer, description: 'runs of [1 on / 0 off / null, count]' })),
          alarmFlags: array(nullable({ ...integer, description: 'runs of [JT/T 808 alarm bits or null, count]' })),
          valid: array({ ...integer, description: 'runs of [1 with GNSS lock / 0 without, count]' }),
          replay: array({ ...integer, description: 'runs of [1 re-uploaded / 0 live, count]' }),
          terminalId: array({
            description: 'runs of [terminal id, count]',
            oneOf: [string(), integer],
          }),
        }),
      ),
      fixes: count,
      next: nullable(string({ description: 'pass as `after` for the next page; null when the range is complete' })),
    }),
  },
  RejectedMessagesPage: object({
    items: array(
      object({
        id: string(),
        receivedAt: dateTime,
        topic: string(),
        terminalId: nullable(string()),
        reason: string({ example: 'SCHEMA' }),
        detail: nullable(string()),
        payloadSize: count,
        payloadTruncated: boolean,
        payloadBase64: string({ format: 'byte' }),
        payloadPreview: nullable(string()),
      }),
    ),
    nextCursor: nullable(string()),
  }),

  AuditOverview: object({
    currentWeek: isoWeek,
    currentWeekDrawn: boolean,
    overdueAfterDays: integer,
    missedWeeks: array(isoWeek),
    coverage: object({ last4Weeks: coverage, last13Weeks: coverage }),
    weeks: array(
      object({
        week: isoWeek,
        firstDay: day,
        lastDay: day,
        drawnAt: dateTime,
        trigger: string(),
        activeCount: count,
        sampleSize: count,
        progress: object({ done: count, total: count, compliant: count, issueFound: count }),
        dueAt: dateTime,
        overdue: count,
      }),
    ),
  }),
  AuditSettings: object({ overdueDays: integer }),
  AuditDraw: object({ status: string(), week: isoWeek, auditWeekId: uuid, activeCount: count, sampleSize: count }),
  Audit: object({
    week: isoWeek,
    firstDay: day,
    lastDay: day,
    drawnAt: dateTime,
    drawnBy: string(),
    trigger: string(),
    algorithm: string(),
    seed: string(),
    rosterHash: string(),
    activeCount: count,
    sampleRate: number,
    sampleSize: count,
    dueAt: dateTime,
    progress: object({ done: count, total: count }),
    overdue: count,
    items: array(auditItem),
  }),
  AuditVerification: object({
    week: isoWeek,
    verified: boolean,
    checks: { type: 'object', additionalProperties: boolean, description: 'each check and whether it holds' },
    algorithm: string(),
    seed: string(),
    rosterHash: string(),
    recomputedRosterHash: string(),
    roster: array(uuid),
    sampleSize: count,
    minimumSampleSize: count,
    recordedSample: array(uuid),
    recomputedSample: array(uuid),
  }),
  AuditItem: object({
    id: uuid,
    week: isoWeek,
    status: string(),
    note: nullable(string()),
    caseId: nullable(uuid),
    reviewedAt: dateTime,
  }),

  PurchaseRequest: object({
    id: uuid,
    unitId: uuid,
    unitName: string(),
    category,
    count: { type: 'integer', minimum: 1 },
    budgetCny: money,
    engineL: nullable(number),
    justification: string(),
    replacesVehicleId: nullable(uuid),
    status: string({ example: 'submitted' }),
    preReview: nullable(
      object({
        note: nullable(string()),
        checks: free('each check (price, quota, engine) with its figures and `passed`'),
        failed: array(string()),
        outcome: string(),
      }),
    ),
    preReviewedBy: nullable(string()),
    preReviewedAt: nullable(dateTime),
    requestedBy: string(),
    createdAt: dateTime,
    decidedAt: nullable(dateTime),
  }),
  PurchaseStandard: standard,
  PurchaseStandards: object(Object.fromEntries(VEHICLE_CATEGORIES.map((c) => [c, standard]))),

  MeetingSummary: object({
    id: uuid,
    title: string(),
    scheduledAt: dateTime,
    status: string(),
    members: count,
    agendaItems: count,
    closedAt: nullable(dateTime),
  }),
  Meeting: object({
    id: uuid,
    title: string(),
    scheduledAt: dateTime,
    status: string(),
    members: array(object({ userId: uuid, username: string(), present: nullable(boolean) })),
    quorum: object({ members: count, present: count, needed: count }),
    agenda: array(
      object({
        id: uuid,
        requestId: uuid,
        position: integer,
        unitName: string(),
        category,
        count: integer,
        budgetCny: money,
        votes: array(object({ userId: uuid, vote: oneOf(['approve', 'reject', 'abstain']) })),
        decision: nullable(string()),
        tally: nullable(tally),
        decidedAt: nullable(dateTime),
      }),
    ),
    minutes: nullable(string()),
    minutesRecordedAt: nullable(dateTime),
    closedAt: nullable(dateTime),
  }),
  Tally: tally,
  Vote: object({ meetingId: uuid, agendaItemId: uuid, userId: uuid, vote: oneOf(['approve', 'reject', 'abstain']) }),
  AgendaDecision: object({
    meetingId: uuid,
    agendaItemId: uuid,
    requestId: uuid,
    decision: string(),
    tally: ref('Tally'),
  }),

  Stats: object({
    year: integer,
    month: nullable(integer),
    timeZone: string(),
    from: dateTime,
    to: dateTime,
    totals: object(statsFigures),
    months: array(object({ month: integer, ...statsFigures })),
  }),

  ReportJob: reportJob,
  ReportJobPage: page('ReportJob'),

  Unit: object({ id: uuid, name: string(), vehicleQuota: count, createdAt: dateTime, vehicleCount: count }),
  Vehicle: object(vehicleView),
  VehiclePage: object({ items: array(ref('Vehicle')), total: count, page: integer, pageSize: integer }),
  VehicleDetail: object({
    ...vehicleView,
    currentTerminal: nullable(object({ terminalId, since: day })),
    lastPositionAt: nullable(dateTime),
    lastReceivedAt: nullable(dateTime),
    online: boolean,
  }),
  Binding: object({ id: uuid, vehicleId: uuid, terminalId, validFrom: day, validTo: nullable(day) }),
  Terminal: object(terminalView),
  TerminalCommand: object({
    id: uuid,
    vehicleId: uuid,
    terminalId,
    kind: oneOf(['text', 'position_query', 'vehicle_control']),
    params: free('what the command carries: text and tts, or lockDoors'),
    reason: nullable(string()),
    requestedBy: string(),
    confirmedBy: nullable(string()),
    status: oneOf(['awaiting_confirmation', 'queued', 'sent', 'answered', 'expired']),
    result: nullable(integer),
    createdAt: dateTime,
    expiresAt: dateTime,
    sentAt: nullable(dateTime),
    answeredAt: nullable(dateTime),
  }),
  TerminalSecret: object({ terminalId, secret: string({ description: 'the new MQTT password; shown only here' }) }),
  NewTerminal: object({ ...terminalView, secret: string({ description: 'the MQTT password; shown only here' }) }),

  Fence: object({
    id: uuid,
    name: string(),
    kind: oneOf(FENCE_KINDS),
    coordinateSystem: oneOf(COORDINATE_SYSTEMS),
    shapeType: oneOf(SHAPE_TYPES),
    sourceGeometry: geometry,
    geometry,
    radiusM: nullable(number),
    widthM: nullable(number),
    speedLimitKmh: nullable(number),
    vehicleIds: array(uuid),
    unitIds: array(uuid),
    active: boolean,
    createdAt: dateTime,
    updatedAt: dateTime,
  }),

  CalendarYear: object({
    year: integer,
    hasData: boolean,
    source: nullable(string()),
    loadedAt: nullable(dateTime),
    days: array(object({ day, kind: string(), name: string() })),
  }),

  DispatchOrder: object({
    id: uuid,
    unitId: uuid,
    vehicleId: uuid,
    driver: string(),
    purpose: string(),
    startTime: dateTime,
    endTime: dateTime,
    destination: nullable(string()),
    destinationFenceId: nullable(uuid),
    leavesJurisdiction: boolean,
    status: string(),
    requestedBy: string(),
    decidedBy: nullable(string()),
    decidedAt: nullable(dateTime),
    decisionNote: nullable(string()),
    endedAt: nullable(dateTime),
    allowedActions: array(string()),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),

  Violation: object({
    ...violationView,
    track: object({ type: oneOf(['FeatureCollection']), features: array(free('a GeoJSON feature')) }),
  }),
  ViolationPage: object({
    items: array(object(violationView)),
    total: count,
    limit: integer,
    offset: count,
  }),
  VehicleTrips: object({
    vehicleId: uuid,
    items: array(
      object({
        startTime: dateTime,
        endTime: dateTime,
        start: object({ lat: number, lon: number }),
        end: object({ lat: number, lon: number }),
        distanceM: number,
        offHoursDistanceM: number,
        maxSpeedKmh: nullable(number),
        durationS: integer,
        driver: nullable(
          object({
            name: nullable(string()),
            certificateNo: nullable(string()),
            issuer: nullable(string()),
            since: dateTime,
          }),
        ),
      }),
    ),
    totalDistanceM: number,
    totalOffHoursDistanceM: number,
  }),
};

/** Request bodies checked by hand rather than by class-validator: what the hand-written check enforces. */
export const BODY_PATCHES: Record<string, Record<string, Schema>> = {
  CheckRequestDto: {
    plateNumber: { minLength: 1, maxLength: 32 },
    amount: { pattern: '^(0|[1-9]\\d{0,9})(\\.\\d{1,2})?$' },
    invoiceNo: { minLength: 1, maxLength: 64 },
    expenseDate: { format: 'date' },
    litres: { pattern: '^(0|[1-9]\\d{0,2})(\\.\\d{1,3})?$' },
  },
};

/** Path parameters whose rules live in a pipe or a service, by `operationId.name` or by name alone. */
export const PATH_PARAMETERS: Record<string, Schema> = {
  week: isoWeek,
  year: { type: 'integer', minimum: 2000, maximum: 2100 },
  'TerminalsController_get.id': terminalId,
  'TerminalsController_update.id': terminalId,
  'TerminalsController_rotateSecret.id': terminalId,
};
