import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '#app/auth';
import { HistoryService } from '#app/history';
import { isUniqueViolation } from '../common/db-errors.js';
import { purchaseError } from '../purchase-requests/purchase.errors.js';
import { decide, hasQuorum, quorumNeeded } from './joint-meeting.rules.js';
import type { AgendaItemDto, AttendanceDto, CreateMeetingDto, MinutesDto, VoteDto } from './meetings.dto.js';

interface MeetingRow {
  id: string;
  title: string;
  scheduled_at: Date;
  status: 'open' | 'closed';
  minutes: string | null;
  minutes_recorded_at: Date | null;
  closed_at: Date | null;
  created_by: string;
  created_at: Date;
}

/** The joint meeting (联席会议): members, agenda, attendance, votes, decisions and minutes. */
@Injectable()
export class MeetingsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
  ) {}

  async create(body: CreateMeetingDto, who: Principal) {
    return this.db.transaction(async (manager) => {
      const eligible: { id: string }[] = await manager.query(
        `SELECT id FROM users WHERE id = ANY($1::uuid[]) AND active AND 'member' = ANY(roles)`,
        [body.memberIds],
      );
      const ok = new Set(eligible.map((u) => u.id));
      const refused = body.memberIds.filter((id) => !ok.has(id));
      if (refused.length > 0) throw purchaseError('NOT_ELIGIBLE_MEMBER', refused.join(', '));
      const inserted: { id: string }[] = await manager.query(
        `INSERT INTO meetings (title, scheduled_at, created_by) VALUES ($1, $2, $3) RETURNING id`,
        [body.title, body.scheduledAt, who.name],
      );
      const id = inserted[0].id;
      await manager.query(`INSERT INTO meeting_members (meeting_id, user_id) SELECT $1, unnest($2::uuid[])`, [
        id,
        body.memberIds,
      ]);
      await this.history.append(manager, {
        entityType: 'meeting',
        entityId: id,
        action: 'created',
        actor: who.name,
        data: { title: body.title, scheduledAt: body.scheduledAt, memberIds: body.memberIds },
      });
      return this.get(id, manager);
    });
  }

  async list() {
    const rows: (MeetingRow & { members: string; items: string })[] = await this.db.query(
      `SELECT m.*, (SELECT count(*) FROM meeting_members mm WHERE mm.meeting_id = m.id) AS members,
              (SELECT count(*) FROM meeting_agenda a WHERE a.meeting_id = m.id) AS items
         FROM meetings m ORDER BY m.scheduled_at DESC`,
    );
    return rows.map((m) => ({
      id: m.id,
      title: m.title,
      scheduledAt: m.scheduled_at,
      status: m.status,
      members: Number(m.members),
      agendaItems: Number(m.items),
      closedAt: m.closed_at,
    }));
  }

  async get(id: string, manager: EntityManager | DataSource = this.db) {
    const meeting = await this.meeting(manager, id);
    const members: { user_id: string; username: string; present: boolean | null }[] = await manager.query(
      `SELECT mm.user_id, u.username, a.present
         FROM meeting_members mm JOIN users u ON u.id = mm.user_id
         LEFT JOIN meeting_attendance a ON a.meeting_id = mm.meeting_id AND a.user_id = mm.user_id
        WHERE mm.meeting_id = $1 ORDER BY u.username`,
      [id],
    );
    const agenda: {
      id: string;
      request_id: string;
      position: number;
      decision: string | null;
      tally: unknown;
      decided_at: Date | null;
      unit_name: string;
      budget_cny: string;
      category: string;
      count: number;
    }[] = await manager.query(
      `SELECT a.id, a.request_id, a.position, a.decision, a.tally, a.decided_at, u.name AS unit_name,
              r.budget_cny, r.category, r.count
         FROM meeting_agenda a JOIN purchase_requests r ON r.id = a.request_id JOIN units u ON u.id = r.unit_id
        WHERE a.meeting_id = $1 ORDER BY a.position`,
      [id],
    );
    const votes: { agenda_item_id: string; user_id: string; vote: string }[] = await manager.query(
      'SELECT agenda_item_id, user_id, vote FROM meeting_votes WHERE meeting_id = $1 ORDER BY cast_at',
      [id],
    );
    const present = members.filter((m) => m.present === true).length;
    return {
      id: meeting.id,
      title: meeting.title,
      scheduledAt: meeting.scheduled_at,
      status: meeting.status,
      members: members.map((m) => ({ userId: m.user_id, username: m.username, present: m.present })),
      quorum: { members: members.length, present, needed: quorumNeeded(members.length) },
      agenda: agenda.map((a) => ({
        id: a.id,
        requestId: a.request_id,
        position: a.position,
        unitName: a.unit_name,
        category: a.category,
        count: a.count,
        budgetCny: a.budget_cny,
        votes: votes.filter((v) => v.agenda_item_id === a.id).map((v) => ({ userId: v.user_id, vote: v.vote })),
        decision: a.decision,
        tally: a.tally,
        decidedAt: a.decided_at,
      })),
      minutes: meeting.minutes,
      minutesRecordedAt: meeting.minutes_recorded_at,
      closedAt: meeting.closed_at,
    };
  }

  private async meeting(manager: EntityManager | DataSource, id: string, lock = false): Promise<MeetingRow> {
    const rows: MeetingRow[] = await manager.query(`SELECT * FROM meetings WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [
      id,
    ]);
    if (!rows[0]) throw purchaseError('MEETING_NOT_FOUND', id);
    return rows[0];
  }

  /** Locks the meeting, so every change to it is decided on a settled state. */
  private async openMeeting(manager: EntityManager, id: string): Promise<MeetingRow> {
    const meeting = await this.meeting(manager, id, true);
    if (meeting.status !== 'open') throw purchaseError('MEETING_CLOSED', id);
    return meeting;
  }

  async addAgendaItem(id: string, body: AgendaItemDto, who: Principal) {
    return this.db.transaction(async (manager) => {
      await this.openMeeting(manager, id);
      const requests: { status: string }[] = await manager.query(
        'SELECT status FROM purchase_requests WHERE id = $1 FOR UPDATE',
        [body.requestId],
      );
      const request = requests[0];
      if (!request) throw purchaseError('REQUEST_NOT_FOUND', body.requestId);
      if (request.status === 'on_agenda') throw purchaseError('ALREADY_ON_AGENDA', body.requestId);
      if (request.status !== 'pre_review_passed') {
        throw purchaseError('NOT_PRE_REVIEWED', `request ${body.requestId} has status ${request.status}`);
      }
      const inserted: { id: string }[] = await manager.query(
        `INSERT INTO meeting_agenda (meeting_id, request_id, position)
         VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM meeting_agenda WHERE meeting_id = $1))
         RETURNING id`,
        [id, body.requestId],
      );
      await manager.query(`UPDATE purchase_requests SET status = 'on_agenda' WHERE id = $1`, [body.requestId]);
      await this.history.append(manager, {
        entityType: 'meeting',
        entityId: id,
        action: 'agenda_item_added',
        actor: who.name,
        data: { agendaItemId: inserted[0].id, requestId: body.requestId },
      });
      await this.history.append(manager, {
        entityType: 'purchase_request',
        entityId: body.requestId,
        action: 'on_agenda',
        actor: who.name,
        data: { meetingId: id, agendaItemId: inserted[0].id },
      });
      return this.get(id, manager);
    });
  }

  async recordAttendance(id: string, body: AttendanceDto, who: Principal) {
    return this.db.transaction(async (manager) => {
      await this.openMeeting(manager, id);
      const members: { user_id: string }[] = await manager.query(
        'SELECT user_id FROM meeting_members WHERE meeting_id = $1',
        [id],
      );
      const memberIds = new Set(members.map((m) => m.user_id));
      const strangers = body.present.filter((u) => !memberIds.has(u));
      if (strangers.length > 0) throw purchaseError('NOT_A_MEMBER', strangers.join(', '));
      const votes: unknown[] = await manager.query('SELECT 1 FROM meeting_votes WHERE meeting_id = $1 LIMIT 1', [id]);
      if (votes.length > 0) throw purchaseError('ATTENDANCE_LOCKED');
      const present = new Set(body.present);
      for (const userId of memberIds) {
        await manager.query(
          `INSERT INTO meeting_attendance (meeting_id, user_id, present) VALUES ($1, $2, $3)
           ON CONFLICT (meeting_id, user_id) DO UPDATE SET present = EXCLUDED.present, recorded_at = now()`,
          [id, userId, present.has(userId)],
        );
      }
      await this.history.append(manager, {
        entityType: 'meeting',
        entityId: id,
        action: 'attendance_recorded',
        actor: who.name,
        data: { present: [...present].sort() },
      });
      return this.get(id, manager);
    });
  }

  private async agendaItem(manager: EntityManager, meetingId: string, itemId: string) {
    const items: { id: string; request_id: string; decision: string | null }[] = await manager.query(
      'SELECT id, request_id, decision FROM meeting_agenda WHERE id = $1 AND meeting_id = $2 FOR UPDATE',
      [itemId, meetingId],
    );
    if (!items[0]) throw purchaseError('ITEM_NOT_FOUND', itemId);
    if (items[0].decision) throw purchaseError('ALREADY_DECIDED', items[0].decision);
    return items[0];
  }

  async vote(id: string, itemId: string, body: VoteDto, who: Principal) {
    try {
      return await this.db.transaction(async (manager) => {
        await this.openMeeting(manager, id);
        await this.agendaItem(manager, id, itemId);
        const membership: { present: boolean | null }[] = await manager.query(
          `SELECT a.present FROM meeting_members mm
             LEFT JOIN meeting_attendance a ON a.meeting_id = mm.meeting_id AND a.user_id = mm.user_id
            WHERE mm.meeting_id = $1 AND mm.user_id = $2`,
          [id, who.kind === 'user' ? who.id : null],
        );
        if (membership.length === 0) throw purchaseError('NOT_A_MEMBER', who.name);
        if (membership[0].present !== true) throw purchaseError('NOT_PRESENT', who.name);
        const inserted: { id: string }[] = await manager.query(
          `INSERT INTO meeting_votes (meeting_id, agenda_item_id, user_id, vote) VALUES ($1, $2, $3, $4)
           ON CONFLICT (meeting_id, agenda_item_id, user_id) DO NOTHING RETURNING id`,
          [id, itemId, who.id, body.vote],
        );
        if (inserted.length === 0) throw purchaseError('ALREADY_VOTED', who.name);
        await this.history.append(manager, {
          entityType: 'meeting',
          entityId: id,
          action: 'vote_cast',
          actor: who.name,
          data: { agendaItemId: itemId, userId: who.id, vote: body.vote },
        });
        return { meetingId: id, agendaItemId: itemId, userId: who.id, vote: body.vote };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw purchaseError('ALREADY_VOTED', who.name);
      throw error;
    }
  }

  async decide(id: string, itemId: string, who: Principal) {
    return this.db.transaction(async (manager) => {
      await this.openMeeting(manager, id);
      const item = await this.agendaItem(manager, id, itemId);
      const counts: { members: string; present: string }[] = await manager.query(
        `SELECT count(*) AS members, count(*) FILTER (WHERE a.present) AS present
           FROM meeting_members mm
           LEFT JOIN meeting_attendance a ON a.meeting_id = mm.meeting_id AND a.user_id = mm.user_id
          WHERE mm.meeting_id = $1`,
        [id],
      );
      const members = Number(counts[0].members);
      const present = Number(counts[0].present);
      if (!hasQuorum(members, present)) {
        throw purchaseError('NO_QUORUM', `${present} of ${members} present, ${quorumNeeded(members)} needed`);
      }
      const votes: { vote: string; n: string }[] = await manager.query(
        'SELECT vote, count(*) AS n FROM meeting_votes WHERE agenda_item_id = $1 GROUP BY vote',
        [itemId],
      );
      const count = (v: string) => Number(votes.find((x) => x.vote === v)?.n ?? 0);
      const approve = count('approve');
      const reject = count('reject');
      const abstain = count('abstain');
      const decision = decide(present, approve);
      const tally = { members, present, approve, reject, abstain, notVoted: present - approve - reject - abstain };
      await manager.query(
        `UPDATE meeting_agenda SET decision = $2, tally = $3, decided_by = $4, decided_at = now() WHERE id = $1`,
        [itemId, decision, JSON.stringify(tally), who.name],
      );
      await manager.query(`UPDATE purchase_requests SET status = $2, decided_at = now() WHERE id = $1`, [
        item.request_id,
        decision,
      ]);
      await this.history.append(manager, {
        entityType: 'meeting',
        entityId: id,
        action: 'item_decided',
        actor: who.name,
        data: { agendaItemId: itemId, requestId: item.request_id, decision, tally },
      });
      await this.history.append(manager, {
        entityType: 'purchase_request',
        entityId: item.request_id,
        action: decision,
        actor: who.name,
        data: { meetingId: id, agendaItemId: itemId, tally },
      });
      return { meetingId: id, agendaItemId: itemId, requestId: item.request_id, decision, tally };
    });
  }

  async recordMinutes(id: string, body: MinutesDto, who: Principal) {
    return this.db.transaction(async (manager) => {
      await this.openMeeting(manager, id);
      await manager.query('UPDATE meetings SET minutes = $2, minutes_recorded_at = now() WHERE id = $1', [
        id,
        body.text,
      ]);
      await this.history.append(manager, {
        entityType: 'meeting',
        entityId: id,
        action: 'minutes_recorded',
        actor: who.name,
        data: { text: body.text },
      });
      return this.get(id, manager);
    });
  }

  async close(id: string, who: Principal) {
    return this.db.transaction(async (manager) => {
      const meeting = await this.openMeeting(manager, id);
      const open: { n: string }[] = await manager.query(
        'SELECT count(*) AS n FROM meeting_agenda WHERE meeting_id = $1 AND decision IS NULL',
        [id],
      );
      if (Number(open[0].n) > 0) throw purchaseError('UNDECIDED_ITEMS', `${open[0].n} undecided`);
      if (!meeting.minutes) throw purchaseError('MINUTES_MISSING');
      await manager.query(`UPDATE meetings SET status = 'closed', closed_at = now() WHERE id = $1`, [id]);
      await this.history.append(manager, {
        entityType: 'meeting',
        entityId: id,
        action: 'closed',
        actor: who.name,
        data: {},
      });
      return this.get(id, manager);
    });
  }
}
