import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { DEMO_UNITS, loadDemoFleet } from '#app/demo-fleet';
import { HistoryService } from '#app/history';

/**
 * Last year's workflow records, as the district reported them (DESIGN §1): 4 joint meetings that
 * rejected 6 purchase requests worth CNY 860,000 together, and 36 misuse problems corrected, for which
 * 18 people were given an admonishment talk (诫勉谈话) or a disciplinary sanction (纪律处分). Everything
 * goes through the same tables and hash-chained history as live work, so the statistics endpoint
 * reproduces the figures from the records, not from constants.
 */
export interface DemoHistoryResult {
  year: number;
  skipped: boolean;
  meetings: number;
  requests: number;
  rejected: number;
  savedCny: string;
  casesRectified: number;
  peopleAdmonishedOrSanctioned: number;
}

const ACTOR = 'system:demo-history';
const DEMO_HISTORY_LOCK = 7_340_061;
const SERIOUS = ['admonishment_talk', 'disciplinary_sanction'];
const MARKER = (year: number) => `demo_history.${year}`;

interface DemoRequest {
  unit: number;
  count: number;
  budget: string;
  engine: number;
  justification: string;
  approve: boolean;
}

/** Per meeting: when it sat (local date), who attended (of 5 members), and what it decided. */
const MEETINGS: { day: string; present: number; requests: DemoRequest[] }[] = [
  {
    day: '03-18',
    present: 5,
    requests: [
      {
        unit: 0,
        count: 1,
        budget: '168000.00',
        engine: 1.5,
        justification: 'Replaces a 2009 sedan past 400,000 km',
        approve: true,
      },
      {
        unit: 1,
        count: 2,
        budget: '260000.00',
        engine: 1.5,
        justification: 'Two more cars for inspection trips',
        approve: false,
      },
      {
        unit: 2,
        count: 1,
        budget: '175000.00',
        engine: 1.8,
        justification: 'Second car for the director’s office',
        approve: false,
      },
      {
        unit: 3,
        count: 1,
        budget: '152000.00',
        engine: 1.4,
        justification: 'Replaces a car written off after an accident',
        approve: true,
      },
    ],
  },
  {
    day: '06-17',
    present: 4,
    requests: [
      {
        unit: 1,
        count: 1,
        budget: '145000.00',
        engine: 1.5,
        justification: 'Replaces a car with failed emissions test',
        approve: true,
      },
      {
        unit: 0,
        count: 1,
        budget: '98000.00',
        engine: 1.2,
        justification: 'Pool car for a new section',
        approve: false,
      },
      {
        unit: 2,
        count: 1,
        budget: '178000.00',
        engine: 0,
        justification: 'Electric car replacing a 2010 sedan',
        approve: true,
      },
    ],
  },
  {
    day: '09-16',
    present: 4,
    requests: [
      {
        unit: 3,
        count: 1,
        budget: '112000.00',
        engine: 1.4,
        justification: 'Extra car for events season',
        approve: false,
      },
      {
        unit: 0,
        count: 1,
        budget: '135000.00',
        engine: 1.5,
        justification: 'Car for a newly created post',
        approve: false,
      },
      {
        unit: 1,
        count: 1,
        budget: '160000.00',
        engine: 1.5,
        justification: 'Replaces a car past 15 years',
        approve: true,
      },
      {
        unit: 2,
        count: 1,
        budget: '149000.00',
        engine: 1.5,
        justification: 'Replaces a car with a cracked frame',
        approve: true,
      },
    ],
  },
  {
    day: '12-09',
    present: 5,
    requests: [
      {
        unit: 3,
        count: 1,
        budget: '80000.00',
        engine: 1.2,
        justification: 'Small car for document runs',
        approve: false,
      },
      {
        unit: 0,
        count: 1,
        budget: '171000.00',
        engine: 1.6,
        justification: 'Replaces a 2011 sedan past 350,000 km',
        approve: true,
      },
      {
        unit: 1,
        count: 1,
        budget: '158000.00',
        engine: 1.5,
        justification: 'Replaces a car with a failed gearbox',
        approve: true,
      },
    ],
  },
];

const UNIT_KEYS = ['finance', 'education', 'health', 'civil-affairs'];
const RULES = [
  'off_hours',
  'holiday_sealing',
  'leaving_jurisdiction',
  'forbidden_venue',
  'designated_parking',
  'trip_without_order',
];
const TITLES: Record<string, string> = {
  off_hours: 'Car used outside working hours without a dispatch order',
  holiday_sealing: 'Car driven on a statutory holiday while sealed',
  leaving_jurisdiction: 'Car left the district without an approved order',
  forbidden_venue: 'Car stayed at a forbidden venue',
  designated_parking: 'Car parked overnight away from its designated parking',
  trip_without_order: 'Trip during working time without a dispatch order',
};
/** 36 rectified problems: 12 admonishment talks and 6 sanctions (18 people), 14 criticisms and 4 notices. */
const OUTCOMES: { outcome: string; sanction?: string; n: number }[] = [
  { outcome: 'admonishment_talk', n: 12 },
  { outcome: 'disciplinary_sanction', sanction: '党内警告', n: 6 },
  { outcome: 'criticism_education', n: 14 },
  { outcome: 'public_notice', n: 4 },
];
const RECTIFIED = 'Rectified: the driver and the unit were instructed, the order procedure was tightened.';
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红';

/** `YYYY-MM-DD` at `HH:MM` in Shanghai (UTC+8, no daylight saving). */
function at(year: number, monthDay: string, time = '09:00'): Date {
  return new Date(`${year}-${monthDay}T${time}:00+08:00`);
}

/** Four of the demo fleet's units (the fleet is loaded first, so quotas and names are the real ones). */
async function demoUnits(m: EntityManager): Promise<string[]> {
  const names = UNIT_KEYS.map((key) => DEMO_UNITS.find((u) => u.key === key)!.name);
  const rows: { id: string; name: string }[] = await m.query('SELECT id, name FROM units WHERE name = ANY($1)', [
    names,
  ]);
  return names.map((name) => rows.find((r) => r.name === name)!.id);
}

async function demoVehicles(m: EntityManager): Promise<string[]> {
  const rows: { id: string }[] = await m.query(
    `SELECT id FROM vehicles WHERE status = 'active' ORDER BY plate_normalized LIMIT 36`,
  );
  return rows.map((v) => v.id);
}

async function ensureMembers(m: EntityManager): Promise<string[]> {
  const existing: { id: string }[] = await m.query(
    `SELECT id FROM users WHERE 'member' = ANY(roles) ORDER BY username LIMIT 5`,
  );
  const ids = existing.map((u) => u.id);
  for (let i = 1; ids.length < 5; i++) {
    // Sign-in is impossible for these records: the hash matches no password.
    const row: { id: string }[] = await m.query(
      `INSERT INTO users (username, password_hash, roles, active) VALUES ($1, $2, '{member}', false)
       ON CONFLICT (username) DO UPDATE SET username = EXCLUDED.username RETURNING id`,
      [`joint-member-${i}`, `!disabled:${randomBytes(16).toString('hex')}`],
    );
    if (!ids.includes(row[0].id)) ids.push(row[0].id);
  }
  return ids;
}

export async function seedDemoHistory(db: DataSource, year: number): Promise<DemoHistoryResult> {
  const history = new HistoryService(db);
  // The records name real units and cars: the demo fleet is loaded first (it is idempotent).
  await loadDemoFleet(db);
  return db.transaction(async (m) => {
    // Two runs at once: the second waits, then finds the marker.
    await m.query('SELECT pg_advisory_xact_lock($1)', [DEMO_HISTORY_LOCK]);
    // Last year's closed cases are records, not news: their findings notify nobody.
    await m.query(`SET LOCAL oversight.notifications = 'off'`);
    const done: unknown[] = await m.query('SELECT 1 FROM settings WHERE key = $1', [MARKER(year)]);
    const summary = (skipped: boolean): DemoHistoryResult => {
      const requests = MEETINGS.flatMap((meeting) => meeting.requests);
      const rejected = requests.filter((r) => !r.approve);
      const savedFen = rejected.reduce((sum, r) => sum + Math.round(Number(r.budget) * 100), 0);
      return {
        year,
        skipped,
        meetings: MEETINGS.length,
        requests: requests.length,
        rejected: rejected.length,
        savedCny: (savedFen / 100).toFixed(2),
        casesRectified: OUTCOMES.reduce((n, o) => n + o.n, 0),
        peopleAdmonishedOrSanctioned: OUTCOMES.filter((o) => SERIOUS.includes(o.outcome)).reduce((n, o) => n + o.n, 0),
      };
    };
    if (done.length > 0) return summary(true);
    const unitIds = await demoUnits(m);
    const vehicleIds = await demoVehicles(m);
    const memberIds = await ensureMembers(m);
    const log = (entityType: string, entityId: string, action: string, data: unknown) =>
      history.append(m, { entityType, entityId, action, actor: ACTOR, data });

    for (const [index, meeting] of MEETINGS.entries()) {
      const held = at(year, meeting.day);
      const [row]: { id: string }[] = await m.query(
        `INSERT INTO meetings (title, scheduled_at, status, created_by, created_at) VALUES ($1, $2, 'open', $3, $4)
         RETURNING id`,
        [
          `${year} joint meeting on official-car purchases, no. ${index + 1}`,
          held,
          ACTOR,
          at(year, meeting.day, '08:00'),
        ],
      );
      const meetingId = row.id;
      await m.query('INSERT INTO meeting_members (meeting_id, user_id) SELECT $1, unnest($2::uuid[])', [
        meetingId,
        memberIds,
      ]);
      await log('meeting', meetingId, 'created', { memberIds, scheduledAt: held });
      const present = memberIds.slice(0, meeting.present);
      for (const userId of memberIds) {
        await m.query(
          'INSERT INTO meeting_attendance (meeting_id, user_id, present, recorded_at) VALUES ($1, $2, $3, $4)',
          [meetingId, userId, present.includes(userId), held],
        );
      }
      // The timed record the meeting reads its room from: everyone present arrived as it began.
      await m.query(
        `INSERT INTO meeting_attendance_events (meeting_id, user_id, present, at, recorded_by)
         SELECT $1, unnest($2::uuid[]), true, $3, 'demo-history'`,
        [meetingId, present, held],
      );
      await log('meeting', meetingId, 'attendance_changed', { at: held.toISOString(), arrived: present, left: [] });
      const minutes: string[] = [`Members present: ${present.length} of ${memberIds.length}.`];
      for (const [position, request] of meeting.requests.entries()) {
        const submitted = new Date(held.getTime() - 30 * 86_400_000);
        const checks = {
          quota: { passed: true },
          price: {
            passed: true,
            perCarCny: (Number(request.budget) / request.count).toFixed(2),
            limitPerCarCny: '180000.00',
          },
          engine: { passed: true, engineL: request.engine, limitL: 1.8 },
        };
        const decision = request.approve ? 'approved' : 'rejected';
        const [req]: { id: string }[] = await m.query(
          `INSERT INTO purchase_requests (unit_id, category, count, budget_cny, engine_l, justification, status, pre_review,
             pre_reviewed_by, pre_reviewed_at, requested_by, created_at, decided_at)
           VALUES ($1, 'general', $2, $3, $4, $5, $6, $7, $8, $9, $8, $10, $11) RETURNING id`,
          [
            unitIds[request.unit],
            request.count,
            request.budget,
            request.engine,
            request.justification,
            decision,
            JSON.stringify({ outcome: 'passed', failed: [], checks, note: null }),
            ACTOR,
            new Date(submitted.getTime() + 7 * 86_400_000),
            submitted,
            held,
          ],
        );
        await log('purchase_request', req.id, 'submitted', { ...request, unitId: unitIds[request.unit] });
        await log('purchase_request', req.id, 'pre_review_passed', { checks });
        const approvals = request.approve ? present.length - 1 : 1;
        const tally = {
          members: memberIds.length,
          present: present.length,
          approve: approvals,
          reject: present.length - approvals,
          abstain: 0,
          notVoted: 0,
        };
        const [item]: { id: string }[] = await m.query(
          `INSERT INTO meeting_agenda (meeting_id, request_id, position, decision, tally, decided_by, decided_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [meetingId, req.id, position + 1, decision, JSON.stringify(tally), ACTOR, held],
        );
        for (const [i, userId] of present.entries()) {
          await m.query(
            'INSERT INTO meeting_votes (meeting_id, agenda_item_id, user_id, vote, cast_at) VALUES ($1, $2, $3, $4, $5)',
            [meetingId, item.id, userId, i < approvals ? 'approve' : 'reject', held],
          );
        }
        await log('meeting', meetingId, 'item_decided', { agendaItemId: item.id, requestId: req.id, decision, tally });
        await log('purchase_request', req.id, decision, { meetingId, tally });
        minutes.push(
          `Item ${position + 1} (CNY ${request.budget}, ${request.justification}): ${decision} ${tally.approve}:${tally.reject}.`,
        );
      }
      await m.query(
        `UPDATE meetings SET status = 'closed', minutes = $2, minutes_recorded_at = $3, closed_at = $3 WHERE id = $1`,
        [meetingId, minutes.join('\n'), new Date(held.getTime() + 3 * 3_600_000)],
      );
      await log('meeting', meetingId, 'minutes_recorded', { text: minutes.join('\n') });
      await log('meeting', meetingId, 'closed', {});
    }

    let n = 0;
    for (const { outcome, sanction, n: count } of OUTCOMES) {
      for (let i = 0; i < count; i++, n++) {
        const rule = RULES[n % RULES.length];
        // Spread over the year: a problem every ten days or so, at 19:40 local.
        const day = new Date(Date.UTC(year, 0, 8 + n * 10));
        const monthDay = `${String(day.getUTCMonth() + 1).padStart(2, '0')}-${String(day.getUTCDate()).padStart(2, '0')}`;
        const start = at(year, monthDay, '19:40');
        const vehicleId = vehicleIds[n % vehicleIds.length];
        const person = `${SURNAMES[n % SURNAMES.length]}${GIVEN[(n * 7) % GIVEN.length]}${n >= GIVEN.length ? GIVEN[n % 5] : ''}`;
        const [kase]: { id: string }[] = await m.query(
          `INSERT INTO cases (vehicle_id, rule, local_day, source, status, title, outcome, sanction_kind, responsible_person,
             rectification_note, opened_at, updated_at)
           VALUES ($1, $2, $3, 'violation', 'closed', $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
          [
            vehicleId,
            rule,
            `${year}-${monthDay}`,
            TITLES[rule],
            outcome,
            sanction ?? null,
            person,
            RECTIFIED,
            new Date(start.getTime() + 3_600_000),
            new Date(start.getTime() + 20 * 86_400_000),
          ],
        );
        await m.query(
          `INSERT INTO violations (vehicle_id, rule, kind, start_time, end_time, evidence, case_id, detected_at)
           VALUES ($1, $2, 'violation', $3, $4, $5, $6, $3)`,
          [vehicleId, rule, start, new Date(start.getTime() + 45 * 60_000), JSON.stringify({ demo: true }), kase.id],
        );
        await log('case', kase.id, 'opened', { rule, vehicleId });
        const steps: [string, string, Record<string, unknown>][] = [
          ['open', 'investigating', {}],
          ['investigating', 'confirmed', {}],
          ['confirmed', 'outcome_recorded', { outcome, sanctionKind: sanction ?? null, responsiblePerson: person }],
          ['outcome_recorded', 'rectified', { rectificationNote: RECTIFIED }],
          ['rectified', 'closed', {}],
        ];
        for (const [from, status, changes] of steps)
          await log('case', kase.id, 'transition', { from, status, ...changes });
      }
    }
    await m.query('INSERT INTO settings (key, value) VALUES ($1, $2)', [MARKER(year), new Date().toISOString()]);
    return summary(false);
  });
}
