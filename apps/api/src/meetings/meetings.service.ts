import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '#app/auth';
import { CLOCK, type Clock } from '#app/calendar';
import { HistoryService } from '#app/history';
import { isUniqueViolation } from '../common/db-errors.js';
import { purchaseError } from '../purchase-requests/purchase.errors.js';
import { checkQuota, type QuotaCheck } from '../purchase-requests/quota.js';
import {
  attendanceChanges,
  ballotRefusal,
  decisionRefusal,
  outcome,
  presentMembers,
  quorumNeeded,
  tally,
  type Ballot,
  type Standard,
} from './joint-meeting.rules.js';
import type {
  AgendaItemDto,
  AttendanceDto,
  CreateMeetingDto,
  DecideDto,
  MinutesDto,
  ReasonDto,
  VoteDto,
} from './meetings.dto.js';

/** Where a request waits for a meeting: passed its pre-review, or failed it and comes to be rejected. */
export const AWAITING_MEETING = ['pre_review_passed', 'pre_review_failed'];

interface MeetingRow {
  id: string;
  title: string;
  scheduled_at: Date;
  status: 'open' | 'closed' | 'adjourned' | 'cancelled';
  ended_reason: string | null;
  ended_at: Date | null;
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
    @Inject(CLOCK) private readonly clock: Clock,
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
    const events: { user_id: string; present: boolean; at: Date; recorded_by: string }[] = await manager.query(
      'SELECT user_id, present, at, recorded_by FROM meeting_attendance_events WHERE meeting_id = $1 ORDER BY at, id',
      [id],
    );
    const agenda: {
      id: string;
      request_id: string;
      position: number;
      decision: string | null;
      tally: unknown;
      decided_at: Date | null;
      flags: string[];
      vote_closed_reason: string | null;
      withdrawn_at: Date | null;
      withdrawn_by: string | null;
      withdrawn_reason: string | null;
      unit_name: string;
      budget_cny: string;
      category: string;
      count: number;
    }[] = await manager.query(
      `SELECT a.id, a.request_id, a.position, a.decision, a.tally, a.decided_at, a.flags, a.vote_closed_reason,
              a.withdrawn_at, a.withdrawn_by, a.withdrawn_reason,
              u.name AS unit_name, r.budget_cny, r.category, r.count
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
      attendance: events.map((e) => ({
        userId: e.user_id,
        event: e.present ? 'arrived' : 'left',
        at: e.at,
        recordedBy: e.recorded_by,
      })),
      quorum: { members: members.length, present, needed: quorumNeeded(members.length) },
      agenda: agenda.map((a) => ({
        id: a.id,
        requestId: a.request_id,
        position: a.position,
        unitName: a.unit_name,
        category: a.category,
        count: a.count,
        budgetCny: a.budget_cny,
        flags: a.flags,
        votes: votes.filter((v) => v.agenda_item_id === a.id).map((v) => ({ userId: v.user_id, vote: v.vote })),
        decision: a.decision,
        tally: a.tally,
        decidedAt: a.decided_at,
        voteClosedReason: a.vote_closed_reason,
        withdrawnAt: a.withdrawn_at,
        withdrawnBy: a.withdrawn_by,
        withdrawnReason: a.withdrawn_reason,
      })),
      minutes: meeting.minutes,
      minutesRecordedAt: meeting.minutes_recorded_at,
      closedAt: meeting.closed_at,
      endedReason: meeting.ended_reason,
      endedAt: meeting.ended_at,
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
    if (meeting.status !== 'open') throw purchaseError('MEETING_CLOSED', `${id} is ${meeting.status}`);
    return meeting;
  }

  /** The members and who of them is in the room, from the timed record of arrivals and departures. */
  private async room(manager: EntityManager, id: string) {
    const members: { user_id: string }[] = await manager.query(
      'SELECT user_id FROM meeting_members WHERE meeting_id = $1',
      [id],
    );
    const events: { user_id: string; present: boolean; at: Date }[] = await manager.query(
      'SELECT user_id, present, at FROM meeting_attendance_events WHERE meeting_id = $1 ORDER BY id',
      [id],
    );
    return {
      members: members.map((m) => m.user_id),
      present: presentMembers(events.map((e) => ({ userId: e.user_id, present: e.present, at: new Date(e.at) }))),
    };
  }

  async addAgendaItem(id: string, body: AgendaItemDto, who: Principal) {
    return this.db.transaction(async (manager) => {
      await this.openMeeting(manager, id);
      const requests: { status: string; pre_review: { failed?: string[] } | null }[] = await manager.query(
        'SELECT status, pre_review FROM purchase_requests WHERE id = $1 FOR UPDATE',
        [body.requestId],
      );
      const request = requests[0];
      if (!request) throw purchaseError('REQUEST_NOT_FOUND', body.requestId);
      if (request.status === 'on_agenda') throw purchaseError('ALREADY_ON_AGENDA', body.requestId);
      if (!AWAITING_MEETING.includes(request.status)) {
        throw purchaseError('NOT_PRE_REVIEWED', `request ${body.requestId} has status ${request.status}`);
      }
      // A request that failed a check comes to the meeting with what it broke; the meeting can only reject it.
      const flags = request.pre_review?.failed ?? [];
      const inserted: { id: string }[] = await manager.query(
        `INSERT INTO meeting_agenda (meeting_id, request_id, position, flags)
         VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM meeting_agenda WHERE meeting_id = $1), $3)
         RETURNING id`,
        [id, body.requestId, JSON.stringify(flags)],
      );
      await manager.query(`UPDATE purchase_requests SET status = 'on_agenda' WHERE id = $1`, [body.requestId]);
      await this.history.append(manager, {
        entityType: 'meeting',
        entityId: id,
        action: 'agenda_item_added',
        actor: who.name,
        data: { agendaItemId: inserted[0].id, requestId: body.requestId, flags },
      });
      await this.history.append(manager, {
        entityType: 'purchase_request',
        entityId: body.requestId,
        action: 'on_agenda',
        actor: who.name,
        data: { meetingId: id, agendaItemId: inserted[0].id, flags },
      });
      return this.get(id, manager);
    });
  }

  /**
   * Late arrivals and early departures, at the time they happened, while the meeting is open. A time before
   * a decision already taken would change the room that decision was taken in, so it is refused.
   */
  async recordAttendance(id: string, body: AttendanceDto, who: Principal) {
    return this.db.transaction(async (manager) => {
      await this.openMeeting(manager, id);
      const { members, present } = await this.room(manager, id);
      const strangers = body.present.filter((u) => !members.includes(u));
      if (strangers.length > 0) throw purchaseError('NOT_A_MEMBER', strangers.join(', '));
      const at = body.at ? new Date(body.at) : this.clock.now();
      const decided: { last: Date | null }[] = await manager.query(
        'SELECT max(decided_at) AS last FROM meeting_agenda WHERE meeting_id = $1',
        [id],
      );
      const last = decided[0].last ? new Date(decided[0].last) : null;
      if (last && at < last) {
        throw purchaseError('ATTENDANCE_BEFORE_DECISION', `${at.toISOString()} is before ${last.toISOString()}`);
      }
      const { arrived, left } = attendanceChanges(present, new Set(body.present));
      for (const [userIds, isPresent] of [
        [arrived, true],
        [left, false],
      ] as const) {
        for (const userId of userIds) {
          await manager.query(
            `INSERT INTO meeting_attendance_events (meeting_id, user_id, present, at, recorded_by)
             VALUES ($1, $2, $3, $4, $5)`,
            [id, userId, isPresent, at, who.name],
          );
        }
      }
      // The current room, kept as a row per member for readers.
      const now = (await this.room(manager, id)).present;
      for (const userId of members) {
        await manager.query(
          `INSERT INTO meeting_attendance (meeting_id, user_id, present) VALUES ($1, $2, $3)
           ON CONFLICT (meeting_id, user_id) DO UPDATE SET present = EXCLUDED.present, recorded_at = now()`,
          [id, userId, now.has(userId)],
        );
      }
      if (arrived.length + left.length > 0) {
        await this.history.append(manager, {
          entityType: 'meeting',
          entityId: id,
          action: 'attendance_changed',
          actor: who.name,
          data: { at: at.toISOString(), arrived, left, present: [...now].sort() },
        });
      }
      return this.get(id, manager);
    });
  }

  private async agendaItem(manager: EntityManager, meetingId: string, itemId: string) {
    const items: {
      id: string;
      request_id: string;
      decision: string | null;
      flags: Standard[];
      withdrawn_at: Date | null;
    }[] = await manager.query(
      `SELECT id, request_id, decision, flags, withdrawn_at FROM meeting_agenda
        WHERE id = $1 AND meeting_id = $2 FOR UPDATE`,
      [itemId, meetingId],
    );
    if (!items[0]) throw purchaseError('ITEM_NOT_FOUND', itemId);
    if (items[0].decision) throw purchaseError('ALREADY_DECIDED', items[0].decision);
    if (items[0].withdrawn_at) throw purchaseError('ITEM_WITHDRAWN', itemId);
    return items[0];
  }

  async vote(id: string, itemId: string, body: VoteDto, who: Principal) {
    try {
      return await this.db.transaction(async (manager) => {
        await this.openMeeting(manager, id);
        await this.agendaItem(manager, id, itemId);
        const { members, present } = await this.room(manager, id);
        const refusal = ballotRefusal({ members, present, voter: who.kind === 'user' ? who.id : '' });
        if (refusal === 'NO_QUORUM') {
          throw purchaseError(
            refusal,
            `${present.size} of ${members.length} present, ${quorumNeeded(members.length)} needed`,
          );
        }
        if (refusal) throw purchaseError(refusal, who.name);
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

  async decide(id: string, itemId: string, body: DecideDto, who: Principal) {
    return this.db.transaction(async (manager) => {
      await this.openMeeting(manager, id);
      const item = await this.agendaItem(manager, id, itemId);
      const { members, present } = await this.room(manager, id);
      const ballots: { user_id: string; vote: Ballot }[] = await manager.query(
        'SELECT user_id, vote FROM meeting_votes WHERE agenda_item_id = $1',
        [itemId],
      );
      const count = tally(
        members,
        present,
        ballots.map((b) => ({ userId: b.user_id, vote: b.vote })),
      );
      const refusal = decisionRefusal(count, body.closeVoteReason);
      if (refusal === 'NO_QUORUM') {
        throw purchaseError(
          refusal,
          `${count.present} of ${count.members} present, ${quorumNeeded(count.members)} needed`,
        );
      }
      if (refusal) {
        const names: { username: string }[] = await manager.query(
          'SELECT username FROM users WHERE id = ANY($1::uuid[]) ORDER BY username',
          [count.notVotedBy],
        );
        throw purchaseError(refusal, `not voted: ${names.map((n) => n.username).join(', ')}`);
      }
      const closeVoteReason = count.notVoted > 0 ? body.closeVoteReason!.trim() : null;
      let result = outcome(count, item.flags);
      let quotaAtDecision: QuotaCheck | null = null;
      if (result.decision === 'approved') {
        // Approvals of one unit queue on the unit's row, so each sees the ones before it: two approvals
        // that each fit alone cannot together break the quota.
        const requests: { id: string; unit_id: string; count: number; replaces_vehicle_id: string | null }[] =
          await manager.query('SELECT id, unit_id, count, replaces_vehicle_id FROM purchase_requests WHERE id = $1', [
            item.request_id,
          ]);
        await manager.query('SELECT 1 FROM units WHERE id = $1 FOR UPDATE', [requests[0].unit_id]);
        quotaAtDecision = await checkQuota(manager, requests[0]);
        if (!quotaAtDecision.passed) result = outcome(count, ['quota']);
      }
      const { decision, standardsBroken } = result;
      const record = {
        ...count,
        standardsBroken,
        ...(quotaAtDecision ? { quotaAtDecision } : {}),
        ...(closeVoteReason ? { closeVoteReason } : {}),
      };
      await manager.query(
        `UPDATE meeting_agenda SET decision = $2, tally = $3, decided_by = $4, decided_at = $5, vote_closed_reason = $6
          WHERE id = $1`,
        [itemId, decision, JSON.stringify(record), who.name, this.clock.now(), closeVoteReason],
      );
      await manager.query(`UPDATE purchase_requests SET status = $2, decided_at = $3 WHERE id = $1`, [
        item.request_id,
        decision,
        this.clock.now(),
      ]);
      await this.history.append(manager, {
        entityType: 'meeting',
        entityId: id,
        action: 'item_decided',
        actor: who.name,
        data: { agendaItemId: itemId, requestId: item.request_id, decision, tally: record },
      });
      await this.history.append(manager, {
        entityType: 'purchase_request',
        entityId: item.request_id,
        action: decision,
        actor: who.name,
        data: { meetingId: id, agendaItemId: itemId, tally: record },
      });
      return {
        meetingId: id,
        agendaItemId: itemId,
        requestId: item.request_id,
        decision,
        standardsBroken,
        tally: record,
        quotaAtDecision,
        closeVoteReason,
      };
    });
  }

  /** Takes an undecided item off this meeting; its request awaits a meeting again and can go on another. */
  async withdrawItem(id: string, itemId: string, body: ReasonDto, who: Principal) {
    return this.db.transaction(async (manager) => {
      await this.openMeeting(manager, id);
      const item = await this.agendaItem(manager, id, itemId);
      await this.takeOff(manager, id, item.id, item.request_id, body.reason, who.name, 'item_withdrawn');
      return this.get(id, manager);
    });
  }

  /** Ends a meeting without closing it: adjourned or cancelled, with the reason; undecided items await a meeting again. */
  async end(id: string, status: 'adjourned' | 'cancelled', body: ReasonDto, who: Principal) {
    return this.db.transaction(async (manager) => {
      await this.openMeeting(manager, id);
      const open: { id: string; request_id: string }[] = await manager.query(
        `SELECT id, request_id FROM meeting_agenda
          WHERE meeting_id = $1 AND decision IS NULL AND withdrawn_at IS NULL ORDER BY position FOR UPDATE`,
        [id],
      );
      const reason = `meeting ${status}: ${body.reason}`;
      for (const item of open) {
        await this.takeOff(manager, id, item.id, item.request_id, reason, who.name, 'item_withdrawn');
      }
      await manager.query(`UPDATE meetings SET status = $2, ended_reason = $3, ended_at = $4 WHERE id = $1`, [
        id,
        status,
        body.reason,
        this.clock.now(),
      ]);
      await this.history.append(manager, {
        entityType: 'meeting',
        entityId: id,
        action: status,
        actor: who.name,
        data: { reason: body.reason, itemsReturned: open.map((i) => i.id) },
      });
      return this.get(id, manager);
    });
  }

  /** The one way an item leaves a meeting undecided; the request goes back to awaiting a meeting. */
  private async takeOff(
    manager: EntityManager,
    meetingId: string,
    itemId: string,
    requestId: string,
    reason: string,
    actor: string,
    action: string,
  ) {
    await manager.query(
      `UPDATE meeting_agenda SET withdrawn_at = $2, withdrawn_by = $3, withdrawn_reason = $4 WHERE id = $1`,
      [itemId, this.clock.now(), actor, reason],
    );
    const rows: { status: string }[] = await manager.query(
      `UPDATE purchase_requests
          SET status = CASE WHEN pre_review->>'outcome' = 'passed' THEN 'pre_review_passed' ELSE 'pre_review_failed' END
        WHERE id = $1 RETURNING status`,
      [requestId],
    );
    await this.history.append(manager, {
      entityType: 'meeting',
      entityId: meetingId,
      action,
      actor,
      data: { agendaItemId: itemId, requestId, reason },
    });
    await this.history.append(manager, {
      entityType: 'purchase_request',
      entityId: requestId,
      action: 'off_agenda',
      actor,
      data: { meetingId, agendaItemId: itemId, reason, status: rows[0].status },
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
        'SELECT count(*) AS n FROM meeting_agenda WHERE meeting_id = $1 AND decision IS NULL AND withdrawn_at IS NULL',
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
