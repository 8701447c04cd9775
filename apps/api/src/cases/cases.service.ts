import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { HistoryService } from '#app/history';
import {
  NEXT_STATUSES,
  OUTCOMES,
  planTransition,
  SANCTION_KINDS,
  type CaseStatus,
  type Outcome,
  type SanctionKind,
  type TransitionRequest,
} from './case-workflow.js';
import type { AttachmentDto, ListCasesQueryDto } from './cases.dto.js';

interface CaseRow {
  id: string;
  vehicle_id: string;
  plate_number: string;
  unit_id: string;
  unit_name: string;
  rule: string;
  local_day: string;
  source: 'violation' | 'audit';
  status: CaseStatus;
  title: string;
  assigned_to: string | null;
  assignee_name: string | null;
  dismiss_reason: string | null;
  outcome: Outcome | null;
  sanction_kind: SanctionKind | null;
  responsible_person: string | null;
  rectification_note: string | null;
  opened_at: Date;
  updated_at: Date;
  violation_count: number;
}

const CASE_SELECT = `
  SELECT c.id, c.vehicle_id, v.plate_number, v.unit_id, u.name AS unit_name, c.rule, c.local_day::text AS local_day,
         c.source, c.status, c.title, c.assigned_to, a.username AS assignee_name, c.dismiss_reason, c.outcome,
         c.sanction_kind, c.responsible_person, c.rectification_note, c.opened_at, c.updated_at,
         (SELECT count(*)::int FROM violations x WHERE x.case_id = c.id) AS violation_count
  FROM cases c
  JOIN vehicles v ON v.id = c.vehicle_id
  JOIN units u ON u.id = v.unit_id
  LEFT JOIN users a ON a.id = c.assigned_to`;

/** No further changes once a case has reached an end state. */
const FINAL: readonly CaseStatus[] = ['dismissed', 'closed'];

/**
 * Inspectors' work on violation cases. Every change goes through here, takes the case's row lock, and
 * appends to the hash-chained history in the same transaction, naming who did it.
 */
@Injectable()
export class CasesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
  ) {}

  async list(q: ListCasesQueryDto) {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.status) add('c.status = ?', q.status);
    if (q.vehicleId) add('c.vehicle_id = ?', q.vehicleId);
    if (q.unitId) add('v.unit_id = ?', q.unitId);
    if (q.rule) add('c.rule = ?', q.rule);
    if (q.assignee) add('c.assigned_to = ?', q.assignee);
    if (q.source) add('c.source = ?', q.source);
    if (q.from) add('c.local_day >= ?::date', q.from);
    if (q.to) add('c.local_day <= ?::date', q.to);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [rows, count] = await Promise.all([
      this.db.query(
        `${CASE_SELECT} ${clause} ORDER BY c.opened_at DESC, c.id LIMIT ${q.limit} OFFSET ${q.offset}`,
        params,
      ) as Promise<CaseRow[]>,
      this.db.query(
        `SELECT count(*)::int AS total FROM cases c JOIN vehicles v ON v.id = c.vehicle_id ${clause}`,
        params,
      ) as Promise<{ total: number }[]>,
    ]);
    return { items: rows.map((row) => view(row)), total: count[0].total, limit: q.limit, offset: q.offset };
  }

  /** One case with its violations, attachments, notes and history. */
  async get(id: string) {
    const row = await this.row(this.db.manager, id);
    const [violations, attachments, notes, history] = await Promise.all([
      this.db.query(
        `SELECT id, rule, kind, terminal_id AS "terminalId", start_time AS "startTime", end_time AS "endTime",
                lat, lon, place, fence_id AS "fenceId", evidence, detected_at AS "detectedAt"
         FROM violations WHERE case_id = $1 ORDER BY start_time`,
        [id],
      ),
      this.attachments(id, false),
      this.db.query(
        `SELECT id, body AS text, author, created_at AS "createdAt" FROM case_notes WHERE case_id = $1
         ORDER BY created_at, id`,
        [id],
      ),
      this.history.of('case', id),
    ]);
    return { ...view(row), violations, attachments, notes, history };
  }

  async transition(id: string, request: TransitionRequest, actor: string) {
    return this.db.transaction(async (m) => {
      const row = await this.row(m, id, true);
      const plan = planTransition(row.status, request);
      if (!plan.ok && plan.problem === 'not-allowed') {
        throw new ConflictException({
          statusCode: 409,
          error: 'Conflict',
          message: plan.message,
          allowed: plan.allowed,
        });
      }
      if (!plan.ok) throw new BadRequestException(plan.errors);
      const c = plan.changes;
      await m.query(
        `UPDATE cases SET status = $2,
           dismiss_reason = CASE WHEN $2 = 'dismissed' THEN $3 ELSE dismiss_reason END,
           outcome = CASE WHEN $2 = 'outcome_recorded' THEN $4 ELSE outcome END,
           sanction_kind = CASE WHEN $2 = 'outcome_recorded' THEN $5 ELSE sanction_kind END,
           responsible_person = CASE WHEN $2 = 'outcome_recorded' THEN $6 ELSE responsible_person END,
           rectification_note = CASE WHEN $2 = 'rectified' THEN $7 ELSE rectification_note END,
           updated_at = now()
         WHERE id = $1`,
        [
          id,
          c.status,
          c.dismissReason ?? null,
          c.outcome ?? null,
          c.sanctionKind ?? null,
          c.responsiblePerson ?? null,
          c.rectificationNote ?? null,
        ],
      );
      await this.history.append(m, {
        entityType: 'case',
        entityId: id,
        action: 'transition',
        actor,
        data: {
          from: row.status,
          ...c,
          ...(request.reason && c.status !== 'dismissed' ? { reason: request.reason } : {}),
        },
      });
      return view(await this.row(m, id));
    });
  }

  async assign(id: string, inspectorId: string, actor: string) {
    return this.db.transaction(async (m) => {
      const row = await this.row(m, id, true);
      if (FINAL.includes(row.status)) throw new ConflictException(`a case that is ${row.status} cannot be reassigned`);
      const users: { username: string; roles: string[]; active: boolean }[] = await m.query(
        'SELECT username, roles, active FROM users WHERE id = $1',
        [inspectorId],
      );
      const user = users[0];
      if (!user || !user.active || !user.roles.includes('inspector')) {
        throw new BadRequestException([`inspectorId ${inspectorId} is not an active user with the role inspector`]);
      }
      await m.query('UPDATE cases SET assigned_to = $2, updated_at = now() WHERE id = $1', [id, inspectorId]);
      await this.history.append(m, {
        entityType: 'case',
        entityId: id,
        action: 'assigned',
        actor,
        data: { from: row.assigned_to, to: inspectorId, inspector: user.username },
      });
      return view(await this.row(m, id));
    });
  }

  async addAttachment(id: string, body: AttachmentDto, actor: string) {
    return this.db.transaction(async (m) => {
      await this.row(m, id, true);
      const rows: Record<string, unknown>[] = await m.query(
        `INSERT INTO case_attachments (case_id, file_name, media_type, size_bytes, sha256, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id, file_name AS "fileName", media_type AS "mediaType", size_bytes::float8 AS size, sha256,
                   uploaded_by AS "uploadedBy", uploaded_at AS "uploadedAt"`,
        [id, body.fileName, body.mediaType.toLowerCase(), body.size, body.sha256, actor],
      );
      const attachment = rows[0];
      await this.history.append(m, {
        entityType: 'case',
        entityId: id,
        action: 'attachment_added',
        actor,
        data: {
          attachmentId: attachment.id,
          fileName: body.fileName,
          mediaType: attachment.mediaType,
          size: body.size,
          sha256: body.sha256,
        },
      });
      return attachment;
    });
  }

  async attachments(id: string, mustExist = true) {
    if (mustExist) await this.row(this.db.manager, id);
    return this.db.query(
      `SELECT id, file_name AS "fileName", media_type AS "mediaType", size_bytes::float8 AS size, sha256,
              uploaded_by AS "uploadedBy", uploaded_at AS "uploadedAt"
       FROM case_attachments WHERE case_id = $1 ORDER BY uploaded_at, id`,
      [id],
    );
  }

  async addNote(id: string, text: string, actor: string) {
    return this.db.transaction(async (m) => {
      await this.row(m, id, true);
      const rows: { id: string }[] = await m.query(
        `INSERT INTO case_notes (case_id, body, author) VALUES ($1, $2, $3)
         RETURNING id, body AS text, author, created_at AS "createdAt"`,
        [id, text, actor],
      );
      await this.history.append(m, {
        entityType: 'case',
        entityId: id,
        action: 'note_added',
        actor,
        data: { noteId: rows[0].id, text },
      });
      return rows[0];
    });
  }

  private async row(m: EntityManager, id: string, lock = false): Promise<CaseRow> {
    if (lock) await m.query('SELECT 1 FROM cases WHERE id = $1 FOR UPDATE', [id]);
    const rows: CaseRow[] = await m.query(`${CASE_SELECT} WHERE c.id = $1`, [id]);
    if (!rows[0]) throw new NotFoundException(`case ${id} does not exist`);
    return rows[0];
  }
}

function view(row: CaseRow) {
  return {
    id: row.id,
    title: row.title,
    rule: row.rule,
    localDay: row.local_day,
    source: row.source,
    status: row.status,
    allowedNext: NEXT_STATUSES[row.status],
    vehicle: { id: row.vehicle_id, plateNumber: row.plate_number, unit: { id: row.unit_id, name: row.unit_name } },
    assignee: row.assigned_to ? { id: row.assigned_to, username: row.assignee_name } : null,
    dismissReason: row.dismiss_reason,
    outcome: row.outcome,
    outcomeLabel: row.outcome ? OUTCOMES[row.outcome] : null,
    sanctionKind: row.sanction_kind,
    sanctionKindLabel: row.sanction_kind ? (SANCTION_KINDS[row.sanction_kind] ?? row.sanction_kind) : null,
    responsiblePerson: row.responsible_person,
    rectificationNote: row.rectification_note,
    violationCount: row.violation_count,
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
  };
}
