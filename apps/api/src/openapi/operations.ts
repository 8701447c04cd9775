/**
 * What the document says about each operation, keyed by the operationId NestJS gives it (`Controller_method`,
 * or the id a controller already sets). A route that is not here fails the document test, so a new route is
 * documented before it ships.
 *
 * `response` names a schema of responses.ts (`Page<…>`-like names are plain schema names there); `list: true`
 * makes it an array of that schema. `errors` are the statuses besides the ones every operation gets from its
 * shape: 401/403 for a signed-in call, 400 when it takes a body, query or checked path parameter, 404 when it
 * names something by path.
 */
export interface OperationDoc {
  operationId: string;
  summary: string;
  description?: string;
  /** The success status; 200 unless said. */
  status?: number;
  /** A schema name of responses.ts; omitted for 204. */
  response?: string;
  list?: boolean;
  /** The success answer is not JSON: its media type (or the types it may be) and what it is. */
  media?: { type: string | string[]; description: string };
  errors?: number[];
  /** Statuses the operation's shape suggests but it never answers. */
  never?: number[];
  /** Named examples of the request body and the success answer. */
  requestExample?: unknown;
  responseExample?: unknown;
}

const op = (
  operationId: string,
  summary: string,
  response?: string,
  more: Omit<OperationDoc, 'operationId' | 'summary' | 'response'> = {},
): OperationDoc => ({ operationId, summary, response, ...more });

const EXAMPLE_VEHICLE_ID = '5b0c7a1e-3f1d-4c7e-9a51-2f8d0c6b9e41';
const EXAMPLE_UNIT_ID = '0f6a4a8e-52d4-4c1b-8d6e-3c2b1a9f7e10';
const REPORT_FILE = {
  type: ['application/pdf', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  description:
    'The report file (PDF or XLSX as asked) with Content-Disposition naming it and `Digest: sha-256=<base64>`.',
};

export const OPERATIONS: Record<string, OperationDoc> = {
  // health and signing in
  HealthController_health: op('getHealth', 'Whether the service and its database are up, with warnings', 'Health', {
    errors: [503],
  }),
  HealthController_live: op('getLiveness', 'Liveness: the process answers', 'Liveness', {
    description:
      'For an orchestrator’s liveness probe. It answers as long as the event loop runs; a lost database or broker does not make it fail (a restart would not bring them back).',
  }),
  HealthController_ready: op('getReadiness', 'Readiness: started, and every dependency answers', 'Readiness', {
    description:
      'For a readiness probe or a load balancer: 200 while the process is up and every dependency of each app it runs (database, broker connection) answers; 503 with the same body, naming what is down, while it starts, stops or misses one.',
    errors: [503],
  }),
  MetricsController_metrics: op('getMetrics', 'Metrics in the Prometheus text format', undefined, {
    description:
      'The same figures as the metrics listener (`METRICS_PORT`), on the API port for a Prometheus that reaches only it. Exists only with `METRICS_TOKEN` set (404 otherwise); docs/operations.md lists the metrics.',
    media: { type: 'text/plain', description: 'the Prometheus exposition format, version 0.0.4' },
    errors: [404],
    never: [403],
  }),
  getMe: op('getMe', 'The signed-in user or API key, with the roles and unit it is judged by now', 'Me', {
    never: [400],
  }),
  changeMyPassword: op(
    'changeMyPassword',
    'Change my password (the one call open while a temporary one must go)',
    undefined,
    {
      status: 204,
    },
  ),
  AuthController_token: op('createToken', 'Sign in: a bearer token for a username and password', 'Token', {
    description:
      'Wrong credentials answer 401 whether the user exists or not; repeated failures from one user or address answer 429 for a while.',
    errors: [401, 429],
    requestExample: { username: 'finance-clerk', password: 'correct horse battery staple' },
    responseExample: {
      accessToken: 'eyJhbGciOiJIUzI1NiJ9.…',
      expiresIn: 3600,
      roles: ['finance'],
      mustChangePassword: false,
    },
  }),
  ApiKeysController_create: op(
    'createApiKey',
    'Issue an API key for another system; the key is in this answer only',
    'NewApiKey',
    {
      status: 201,
      requestExample: { name: 'finance-system', roles: ['finance'] },
      responseExample: {
        id: '9d7c8a52-1a3b-4f0e-8c1d-2b3a4c5d6e7f',
        name: 'finance-system',
        roles: ['finance'],
        key: 'ock_…',
      },
    },
  ),
  ApiKeysController_list: op('listApiKeys', 'API keys (never the keys themselves)', 'ApiKey', { list: true }),
  ApiKeysController_revoke: op('revokeApiKey', 'Revoke an API key at once', undefined, { status: 204 }),

  // accounts
  createUser: op('createUser', 'Create a user (their password is temporary)', 'User', { status: 201, errors: [409] }),
  listUsers: op('listUsers', 'Users, without password hashes', 'User', { list: true }),
  getUser: op('getUser', 'One user', 'User'),
  updateUser: op('updateUser', "Change a user's roles, unit or active state", 'User'),
  resetPassword: op(
    'resetPassword',
    'Set a temporary password the user must change at the next sign-in',
    'TemporaryPassword',
  ),

  // payment gate
  PaymentGateController_check: op(
    'checkPayment',
    'May finance pay this vehicle expense? A recorded decision',
    'CheckResponse',
    {
      description:
        'Always a recorded decision (allow or deny with reasons), or 503 when the platform cannot decide now: then do not pay. The same request repeated returns the earlier decision with the same checkId.',
      errors: [503],
      requestExample: {
        plateNumber: '苏N·A1234',
        expenseType: 'fuel',
        amount: '356.80',
        invoiceNo: '044001900111-00012345',
        expenseDate: '2026-11-20',
      },
      responseExample: {
        checkId: '8b0f3c2e-6d4a-4f1b-9e7c-5a2d1b0c9e8f',
        decision: 'deny',
        reasons: [
          {
            code: 'TERMINAL_SILENT',
            message: 'terminal 13800000001 sent no accepted position in the 72 hours up to 2026-11-20 24:00',
          },
        ],
        vehicle: { id: EXAMPLE_VEHICLE_ID, plateNumber: '苏NA1234', unit: '区财政局' },
        checkedAt: '2026-11-26T10:01:02+08:00',
      },
    },
  ),
  PaymentGateController_list: op('listPaymentChecks', 'Recorded payment-gate decisions, newest first', 'CheckPage', {
    errors: [503],
  }),

  // cases and evidence
  CasesController_list: op('listCases', 'Inspection cases, filtered, newest first', 'CasePage'),
  CasesController_get: op('getCase', 'One case with its history', 'CaseDetail'),
  CasesController_transition: op('transitionCase', 'Move a case to its next state', 'Case', {
    description: 'A transition the case cannot make answers 409 with `allowed`: the states it can move to.',
    errors: [409],
  }),
  CasesController_assign: op('assignCase', 'Give a case to an inspector', 'Case', { errors: [409] }),
  CasesController_addAttachment: op('addCaseAttachment', 'Link a record to a case', 'CaseAttachment', {
    status: 201,
    errors: [409],
  }),
  CasesController_attachments: op('listCaseAttachments', "A case's linked records", 'CaseAttachment', { list: true }),
  CasesController_addNote: op('addCaseNote', 'Add a note to a case', 'CaseNote', { status: 201, errors: [409] }),
  uploadCaseFile: op('uploadCaseFile', 'Attach an evidence file to a case', 'CaseFile', {
    status: 201,
    description:
      'The media type is judged from the content: JPEG, PNG, WebP, HEIC, PDF, MP3, M4A/AAC, WAV and MP4 are accepted, anything else is 415 naming the detected type; a file over EVIDENCE_MAX_BYTES is 413.',
    errors: [409, 413, 415],
    responseExample: {
      id: '3e1f0a9b-7c6d-4e5f-8a9b-0c1d2e3f4a5b',
      caseId: '7a2b9c4d-1e3f-4a5b-8c6d-9e0f1a2b3c4d',
      fileName: '约谈记录.pdf',
      mediaType: 'application/pdf',
      size: 48213,
      sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      description: 'recording of the talk with the driver',
      uploadedBy: 'inspector-li',
      uploadedAt: '2026-11-26T02:15:00.000Z',
    },
  }),
  listCaseFiles: op('listCaseFiles', "A case's evidence files (metadata)", 'CaseFile', { list: true }),
  downloadCaseFile: op('downloadCaseFile', 'The bytes of an evidence file, as uploaded', undefined, {
    media: {
      type: 'application/octet-stream',
      description:
        'The bytes with Content-Type = the mediaType, Content-Disposition naming the file and `Digest: sha-256=<base64>`.',
    },
    description: 'Bytes that no longer match their recorded sha256 are never sent: 409 names the mismatch.',
    errors: [409],
  }),

  // tamper-evident history
  HistoryController_verify: op(
    'verifyHistory',
    'Check the hash chain of the history and the evidence files',
    'HistoryVerification',
  ),
  HistoryController_head: op(
    'getHistoryHead',
    "The chain's last entry (seq, hash, time) and a line to publish or sign",
    'HistoryHead',
    { never: [400, 404] },
  ),
  HistoryController_list: op('listHistory', 'History entries in chain order, a page at a time', 'HistoryPage'),

  // live fleet and tracks
  FleetLiveController_live: op('getFleetLive', "Every active car's latest position and link state", 'FleetLive', {
    description: '`format=geojson` answers the same as a GeoJSON FeatureCollection of points.',
  }),
  TerminalCommandsController_create: op(
    'createTerminalCommand',
    'Queue a command for the car’s JT/T 808 terminal: text or voice prompt, position query, vehicle control',
    'TerminalCommand',
    {
      status: 201,
      description:
        'Sent when the terminal is connected; vehicle control needs a reason and waits for a second person to confirm. Every step goes into the history.',
      errors: [404, 409],
    },
  ),
  TerminalCommandsController_list: op(
    'listTerminalCommands',
    'The car’s latest commands with their state and the terminal’s result',
    'TerminalCommand',
    { list: true, never: [404] },
  ),
  TerminalCommandsController_get: op('getTerminalCommand', 'One command with its state and result', 'TerminalCommand', {
    errors: [404],
  }),
  TerminalCommandsController_confirm: op(
    'confirmTerminalCommand',
    'Confirm a vehicle-control command (someone other than the one who asked)',
    'TerminalCommand',
    { errors: [404, 409] },
  ),
  FleetLiveController_events: op(
    'streamFleetLive',
    'The live fleet as Server-Sent Events: changed cars as they move',
    undefined,
    {
      media: {
        type: 'text/event-stream',
        description:
          'An open stream of `positions`, `findings`, `notifications` (the signed-in user’s dashboard notifications) and `ping` events, each a JSON array; the request must accept text/event-stream.',
      },
      errors: [406],
      never: [400],
    },
  ),
  VehicleTrackController_track: op(
    'getVehicleTrack',
    "A car's track between two times: GeoJSON, or the compact form for maps",
    'VehicleTrack',
    {
      description:
        'The default answer is a GeoJSON FeatureCollection: a LineString through the valid fixes, then one Point ' +
        'feature per fix with its fixTime, speed, ignition, alarm bits and odometer (null geometry without GNSS ' +
        'lock). `format=compact` answers the same fixes column by column: integers, differences and runs in ' +
        'chunks, about a tenth of the bytes (docs/api.md, "Tracks for maps"). The answer is sent while it is ' +
        'read, compressed with brotli or gzip when Accept-Encoding allows it (`Vary: Accept-Encoding`). ' +
        '`simplify` (metres) thins the track for drawing and keeps the first and last fix and both ends of every ' +
        'stop, ignition state, alarm state, lock state and terminal. `limit` pages the range; pass `next` as ' +
        '`after` for the next page.',
    },
  ),
  RejectedMessagesController_list: op(
    'listRejectedMessages',
    'Messages the gateway refused, newest first',
    'RejectedMessagesPage',
  ),

  // weekly audit
  AuditsController_list: op(
    'listAudits',
    'Weekly audit draws, newest first, with coverage and missed weeks',
    'AuditOverview',
    {
      never: [400],
    },
  ),
  AuditsController_settings: op(
    'getAuditSettings',
    'How many items a week draws and when they become overdue',
    'AuditSettings',
    {
      never: [400],
    },
  ),
  AuditsController_setSettings: op('setAuditSettings', 'Change the audit settings', 'AuditSettings'),
  AuditsController_draw: op('drawAudit', "Draw this week's audit sample (once a week)", 'AuditDraw', {
    status: 201,
    errors: [409],
    never: [400],
  }),
  AuditsController_get: op('getAudit', "One week's draw with its items", 'Audit'),
  AuditsController_verify: op('verifyAudit', "Recompute a week's draw from its published seed", 'AuditVerification'),
  AuditsController_mark: op('markAuditItem', 'Record the outcome of an audit item', 'AuditItem', { errors: [409] }),

  // purchase approval
  PurchaseRequestsController_create: op('createPurchaseRequest', 'Request to buy cars for a unit', 'PurchaseRequest', {
    status: 201,
  }),
  PurchaseRequestsController_list: op(
    'listPurchaseRequests',
    'Purchase requests (unit clerks: their own unit)',
    'PurchaseRequest',
    {
      list: true,
    },
  ),
  PurchaseRequestsController_standards: op(
    'listPurchaseStandards',
    'Price and engine standards per category',
    'PurchaseStandards',
    {
      never: [400],
    },
  ),
  PurchaseRequestsController_setStandard: op(
    'setPurchaseStandard',
    "Set a category's purchase standard",
    'PurchaseStandard',
  ),
  PurchaseRequestsController_get: op('getPurchaseRequest', 'One purchase request', 'PurchaseRequest'),
  PurchaseRequestsController_preReview: op(
    'preReviewPurchaseRequest',
    'Record the centre’s pre-review of a request',
    'PurchaseRequest',
    {
      errors: [409],
    },
  ),

  PurchaseRequestsController_withdraw: op(
    'withdrawPurchaseRequest',
    'The unit takes its request back before its meeting begins',
    'PurchaseRequest',
    { errors: [409] },
  ),

  // meetings
  MeetingsController_create: op('createMeeting', 'Call a meeting with its members', 'Meeting', { status: 201 }),
  MeetingsController_list: op('listMeetings', 'Meetings, newest first', 'MeetingSummary', { list: true, never: [400] }),
  MeetingsController_get: op('getMeeting', 'One meeting with its agenda, attendance and votes', 'Meeting'),
  MeetingsController_addAgendaItem: op('addMeetingAgendaItem', 'Put a purchase request on the agenda', 'Meeting', {
    status: 201,
    errors: [409],
  }),
  MeetingsController_attendance: op('recordMeetingAttendance', 'Record who is present', 'Meeting', { errors: [409] }),
  MeetingsController_vote: op('voteOnAgendaItem', 'Vote on an agenda item', 'Vote', { status: 201, errors: [409] }),
  MeetingsController_decide: op('decideAgendaItem', 'Count the votes and decide an agenda item', 'AgendaDecision', {
    errors: [409],
  }),
  MeetingsController_withdraw: op('withdrawAgendaItem', 'Take an item off the agenda with a reason', 'Meeting', {
    errors: [409],
  }),
  MeetingsController_adjourn: op('adjournMeeting', 'Adjourn the meeting with a reason', 'Meeting', { errors: [409] }),
  MeetingsController_cancel: op('cancelMeeting', 'Cancel the meeting with a reason', 'Meeting', { errors: [409] }),
  MeetingsController_minutes: op('recordMeetingMinutes', 'Record the minutes', 'Meeting', { errors: [409] }),
  MeetingsController_close: op('closeMeeting', 'Close the meeting once every item is decided', 'Meeting', {
    errors: [409],
  }),

  // statistics
  StatsController_report: op('getStats', 'Figures for a year or a month', 'Stats'),

  // reports
  ReportsController_activity: op(
    'getActivityReport',
    "A car's activity report (trips, stops, distance, off-hours distance, findings), up to 92 days",
    undefined,
    {
      media: REPORT_FILE,
      description:
        'Answered at once as PDF (default) or XLSX (`format`). Longer periods, a unit or the fleet: `createReportJob`. A unit clerk gets their own unit’s cars only (another unit’s car: 404).',
      errors: [404],
    },
  ),
  ReportsController_weeklyAudit: op(
    'getWeeklyAuditReport',
    "One week's audit report: the draw, each car, the review",
    undefined,
    {
      media: REPORT_FILE,
      description: '404 when the week has not been drawn.',
      errors: [404],
    },
  ),
  ReportsController_monthlyOversight: op(
    'getMonthlyOversightReport',
    "The month's oversight report for the district leaders, with charts",
    undefined,
    {
      media: REPORT_FILE,
      description:
        'Its figures are those of `getStats` for the same year and month, with charts of findings by rule and unit, audit coverage, payment-gate denials and savings.',
    },
  ),
  ReportJobsController_create: op('createReportJob', 'Queue a report to be made as a job', 'ReportJob', {
    status: 202,
    description:
      'The job is made in the background; follow it with `getReportJob` (status, progress in per cent) and download it with `downloadReportJobFile` when it is done. Fields by kind: activity `from`, `to` and `vehicleId` or `unitId` (neither: the whole fleet; a unit clerk: their own unit); weekly_audit `week`; monthly_oversight `year`, `month`.',
    errors: [404],
    requestExample: { kind: 'activity', format: 'xlsx', unitId: EXAMPLE_UNIT_ID, from: '2026-03-01', to: '2026-03-31' },
  }),
  ReportJobsController_list: op(
    'listReportJobs',
    'Report jobs, newest first (`trigger=schedule`: the monthly reports delivered)',
    'ReportJobPage',
  ),
  ReportJobsController_get: op(
    'getReportJob',
    'One report job: its status, progress, file and deliveries',
    'ReportJob',
  ),
  ReportJobsController_file: op('downloadReportJobFile', "A done job's file", undefined, {
    media: REPORT_FILE,
    description: '409 while the job is queued or running (no file yet) and when it failed (with the reason).',
    errors: [409],
  }),

  // registry
  UnitsController_create: op('createUnit', 'Create a unit with its vehicle quota (编制)', 'Unit', {
    status: 201,
    errors: [409],
    requestExample: { name: '区财政局', vehicleQuota: 6 },
    responseExample: {
      id: EXAMPLE_UNIT_ID,
      name: '区财政局',
      vehicleQuota: 6,
      vehicleCount: 0,
      createdAt: '2026-11-26T02:00:00.000Z',
    },
  }),
  UnitsController_list: op('listUnits', 'Units with their quota and the number of cars in service', 'Unit', {
    list: true,
    never: [400],
  }),
  UnitsController_get: op('getUnit', 'One unit with its quota and the number of cars in service', 'Unit'),
  VehiclesController_create: op('createVehicle', 'Register a car', 'Vehicle', {
    status: 201,
    description:
      'The plate is unique after normalising (spaces, ·, - removed, upper case); an unknown unitId is a 400.',
    errors: [409],
    requestExample: {
      plateNumber: '苏N·A1234',
      unitId: EXAMPLE_UNIT_ID,
      category: 'general',
      commissionedOn: '2025-01-01',
    },
  }),
  VehiclesController_list: op(
    'listVehicles',
    'Cars, filtered by unit, category, status and plate, a page at a time',
    'VehiclePage',
  ),
  VehiclesController_detail: op(
    'getVehicle',
    'One car with its current terminal, last position time and online state',
    'VehicleDetail',
  ),
  VehiclesController_decommission: op('decommissionVehicle', 'Take a car out of service on a day', 'Vehicle', {
    description: 'Its open terminal binding ends that day.',
    errors: [409],
    requestExample: { date: '2026-11-01' },
  }),
  VehiclesController_bind: op('bindTerminal', 'Bind a terminal to the car from a day on', 'Binding', {
    status: 201,
    description:
      'A car has at most one bound terminal and a terminal at most one car at a time; a binding starts after the previous one of the car and of the terminal ended. Decommissioned cars and inactive terminals cannot be bound (409).',
    errors: [409],
    requestExample: { terminalId: '13800000001', from: '2026-01-01' },
  }),
  VehiclesController_unbind: op(
    'unbindTerminal',
    "End the car's current binding; `to` is its last day (inclusive)",
    'Binding',
    {
      errors: [409],
      requestExample: { to: '2026-11-20' },
    },
  ),
  VehiclesController_bindings: op(
    'listVehicleBindings',
    'Every terminal binding of the car, oldest first; with `on`, that day’s',
    'Binding',
    {
      list: true,
    },
  ),
  TerminalsController_create: op(
    'createTerminal',
    'Register a terminal; its MQTT secret is in this answer only',
    'NewTerminal',
    {
      status: 201,
      errors: [409, 503],
      requestExample: { terminalId: '13800000001', model: 'BD-T808' },
      responseExample: {
        terminalId: '13800000001',
        model: 'BD-T808',
        active: true,
        createdAt: '2026-11-26T02:00:00.000Z',
        vehicleId: null,
        plateNumber: null,
        boundSince: null,
        secret: 'k3J…',
      },
    },
  ),
  TerminalsController_rotateSecret: op(
    'rotateTerminalSecret',
    'Issue a new secret to a terminal; the old one stops working at once',
    'TerminalSecret',
    {
      status: 201,
      description:
        'The new MQTT secret is in this answer only. With an external broker that cannot be updated now: 503 and nothing changed.',
      errors: [503],
    },
  ),
  TerminalsController_list: op('listTerminals', 'Terminals with the car each sits in now', 'Terminal', {
    list: true,
    never: [400],
  }),
  TerminalsController_get: op('getTerminal', 'One terminal with the car it sits in now', 'Terminal'),
  TerminalsController_update: op(
    'updateTerminal',
    'Switch a terminal on or off; an inactive terminal cannot be bound',
    'Terminal',
    { errors: [503] },
  ),

  // fences
  FencesController_list: op('listFences', 'Fences, optionally of one kind', 'Fence', { list: true }),
  FencesController_create: op(
    'createFence',
    'Create a fence; the shape is checked and converted to WGS-84 once',
    'Fence',
    {
      status: 201,
      errors: [409],
    },
  ),
  FencesController_get: op('getFence', 'One fence', 'Fence'),
  FencesController_replace: op('replaceFence', 'Replace a fence', 'Fence', { errors: [409] }),
  FencesController_patch: op('updateFence', 'Change some of a fence’s fields', 'Fence', { errors: [409] }),
  FencesController_remove: op('deleteFence', 'Delete a fence', undefined, { status: 204 }),
  FencesController_import: op('importFences', 'Import a GeoJSON FeatureCollection: all features or none', 'Fence', {
    status: 201,
    list: true,
    errors: [409],
  }),

  // calendar
  CalendarController_get: op('getCalendarYear', "A year's holidays and make-up working days", 'CalendarYear', {
    never: [404],
  }),
  CalendarController_put: op(
    'putCalendarYear',
    "Replace the year's holidays and make-up working days",
    'CalendarYear',
    {
      never: [404],
    },
  ),
  CalendarController_putPeriods: op(
    'putCalendarPeriods',
    "Load the year from the State Council notice's holiday periods",
    'CalendarYear',
    {
      never: [404],
    },
  ),
  CalendarController_putHolidayCn: op(
    'putCalendarHolidayCn',
    'Load the year from a file in the holiday-cn JSON format',
    'CalendarYear',
    {
      never: [404],
    },
  ),

  // dispatch orders
  DispatchOrdersController_create: op(
    'createDispatchOrder',
    'Request a dispatch order (unit clerks: cars of their own unit)',
    'DispatchOrder',
    {
      status: 201,
      errors: [409],
    },
  ),
  DispatchOrdersController_list: op('listDispatchOrders', 'Dispatch orders, filtered', 'DispatchOrder', { list: true }),
  DispatchOrdersController_get: op('getDispatchOrder', 'One dispatch order', 'DispatchOrder'),
  DispatchOrdersController_approve: op('approveDispatchOrder', 'Approve a requested order', 'DispatchOrder', {
    errors: [409],
  }),
  DispatchOrdersController_reject: op('rejectDispatchOrder', 'Reject a requested order', 'DispatchOrder', {
    errors: [409],
  }),
  DispatchOrdersController_cancel: op('cancelDispatchOrder', 'Cancel an order that has not begun', 'DispatchOrder', {
    errors: [409],
  }),
  DispatchOrdersController_end: op(
    'endDispatchOrder',
    'End an approved order early: its end becomes now',
    'DispatchOrder',
    {
      errors: [409],
    },
  ),

  // notifications
  NotificationRulesController_create: op(
    'createNotificationRule',
    'Add a rule choosing who hears about which findings, on which channels',
    'NotificationRule',
    {
      status: 201,
      description:
        'A finding matches when its rule is in `findingRules` (empty: any), its car in one of `unitIds` (empty: any) ' +
        'and its severity at least `minSeverity`. Each recipient names one user, one role (its active members) or ' +
        'one webhook. A recipient reached by several rules on one channel gets one message.',
      requestExample: {
        name: '越界与禁入场所：纪检',
        findingRules: ['leaving_jurisdiction', 'forbidden_venue'],
        minSeverity: 'medium',
        recipients: [
          { role: 'inspector', channels: ['dashboard', 'email'] },
          { webhookId: '6c1f2a9e-8b3d-4e5f-9a0b-1c2d3e4f5a6b' },
        ],
        quietHours: { from: '22:00', to: '07:00' },
      },
    },
  ),
  NotificationRulesController_list: op('listNotificationRules', 'Every notification rule', 'NotificationRule', {
    list: true,
    never: [400],
  }),
  NotificationRulesController_get: op('getNotificationRule', 'One notification rule', 'NotificationRule'),
  NotificationRulesController_replace: op('replaceNotificationRule', 'Replace a notification rule', 'NotificationRule'),
  NotificationRulesController_remove: op('deleteNotificationRule', 'Delete a notification rule', undefined, {
    status: 204,
  }),
  NotificationWebhooksController_create: op(
    'createNotificationWebhook',
    'Register a webhook; its signing secret is in this answer only',
    'NewNotificationWebhook',
    {
      status: 201,
      description:
        'Findings are POSTed as JSON with `X-Oversight-Timestamp` and `X-Oversight-Signature: v1=<hex HMAC-SHA256 ' +
        'of "<timestamp>.<body>" under the secret>` (docs/notifications.md). A failed call is retried with ' +
        'exponential backoff, then kept in the dead-letter list.',
      errors: [409],
      requestExample: { name: 'discipline-inspection-system', url: 'https://jjjc.example.gov.cn/hooks/oversight' },
    },
  ),
  NotificationWebhooksController_list: op(
    'listNotificationWebhooks',
    'Webhooks (never their secrets)',
    'NotificationWebhook',
    { list: true, never: [400] },
  ),
  NotificationWebhooksController_update: op(
    'updateNotificationWebhook',
    'Rename a webhook, change its URL, switch it on or off',
    'NotificationWebhook',
    { errors: [409] },
  ),
  NotificationWebhooksController_rotate: op(
    'rotateNotificationWebhookSecret',
    'Issue a new signing secret; the old one stops at once',
    'NotificationWebhookSecret',
    { status: 201 },
  ),
  NotificationWebhooksController_remove: op('deleteNotificationWebhook', 'Delete a webhook no rule names', undefined, {
    status: 204,
    errors: [409],
  }),
  NotificationContactsController_list: op(
    'listNotificationContacts',
    'Every user with their e-mail address, phone and quiet hours',
    'NotificationContact',
    { list: true, never: [400] },
  ),
  NotificationContactsController_put: op(
    'setNotificationContact',
    "Set a user's e-mail address, phone number and quiet hours",
    'NotificationContact',
    {
      requestExample: {
        email: 'li.jian@jjjc.example.gov.cn',
        phone: '+8613800000000',
        quietHours: { from: '12:00', to: '13:30' },
      },
    },
  ),
  NotificationLogController_list: op(
    'listNotifications',
    'The log: every message planned for a finding, with status, attempts and last error, newest first',
    'NotificationPage',
    {
      description:
        'Statuses: `pending` (due now), `held` (quiet hours), `retrying` (failed, waiting for its next attempt), ' +
        '`sent`, `dead` (given up: the dead-letter list), `suppressed` (low severity during quiet hours), ' +
        '`skipped` (no address, a disabled user, a webhook switched off).',
    },
  ),
  NotificationLogController_deadLetters: op(
    'listDeadLetters',
    'The dead-letter list: messages given up on after NOTIFY_MAX_ATTEMPTS failures',
    'NotificationPage',
  ),
  NotificationLogController_resend: op(
    'resendNotification',
    'Send a dead letter again, with a fresh set of attempts',
    'Notification',
    { errors: [409] },
  ),

  // findings and trips
  ViolationsController_list: op('listViolations', 'Findings of the detector, filtered, newest first', 'ViolationPage'),
  ViolationsController_get: op('getViolation', 'One finding with its evidence', 'Violation'),
  TripsController_list: op('listVehicleTrips', "A car's trips between two days, with their totals", 'VehicleTrips'),
};
