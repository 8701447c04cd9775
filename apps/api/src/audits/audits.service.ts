import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  AuditDrawService,
  canonicalRoster,
  drawSample,
  parseIsoWeek,
  rosterHash,
  sampleSize,
  shiftWeek,
  type IsoWeek,
} from '#app/audit';
import type { Principal } from '#app/auth';
import { CLOCK, localDate, type Clock } from '#app/calendar';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { HistoryService } from '#app/history';
import { auditError } from './audits.errors.js';
import type { AuditSettingsDto, MarkItemDto } from './audits.dto.js';

/** Days after a week ends until its unmarked items count as overdue; the `audit.overdue_days` setting. */
export const DEFAULT_OVERDUE_DAYS = 3;
const DAY_MS = 86_400_000;

interface WeekRow {
  id: string;
  iso_week: string;
  first_day: string;
  last_day: string;
  week_start: Date;
  week_end: Date;
  algorithm: string;
  seed: string;
  roster: string[];
  roster_hash: string;
  active_count: number;
  sample_rate: number;
  sample_size: number;
  sample: string[];
  trigger: string;
  drawn_by: string;
  drawn_at: Date;
  drawn_late: boolean;
  late_reason: string | null;
}

interface ItemRow {
  id: string;
  vehicle_id: string;
  plate_number: string;
  position: number;
  status: 'pending' | 'compliant' | 'issue_found';
  trips: number;
  distance_m: number;
  off_hours_distance_m: number;
  findings: unknown[];
  note: string | null;
  case_id: string | null;
  reviewed_by: string | null;
  reviewed_at: Date | null;
}

@Injectable()
export class AuditsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly drawer: AuditDrawService,
    private readonly history: HistoryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private week(label: string): IsoWeek {
    const week = parseIsoWeek(label, this.config.tzPolicy);
    if (!week) throw auditError('BAD_WEEK', label);
    return week;
  }

  async overdueDays(): Promise<number> {
    const rows: { value: string }[] = await this.db.query(
      `SELECT value FROM settings WHERE key = 'audit.overdue_days'`,
    );
    const value = Number(rows[0]?.value);
    return rows.length > 0 && Number.isInteger(value) && value >= 0 ? value : DEFAULT_OVERDUE_DAYS;
  }

  async setSettings(body: AuditSettingsDto, who: Principal) {
    return this.db.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO settings (key, value) VALUES ('audit.overdue_days', $1)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [String(body.overdueDays)],
      );
      await this.history.append(manager, {
        entityType: 'audit_settings',
        entityId: 'audit',
        action: 'set',
        actor: who.name,
        data: { overdueDays: body.overdueDays },
      });
      return { overdueDays: body.overdueDays };
    });
  }

  private dueAt(weekEnd: Date, overdueDays: number): Date {
    return new Date(weekEnd.getTime() + overdueDays * DAY_MS);
  }

  async list() {
    const now = this.clock.now();
    const days = await this.overdueDays();
    const weeks: (WeekRow & { total: string; done: string; compliant: string; issues: string })[] = await this.db.query(
      `SELECT w.id, w.iso_week, w.first_day::text, w.last_day::text, w.week_start, w.week_end, w.active_count,
                w.sample_size, w.trigger, w.drawn_at, w.drawn_late, w.late_reason,
                count(i.id) AS total,
                count(i.id) FILTER (WHERE i.status <> 'pending') AS done,
                count(i.id) FILTER (WHERE i.status = 'compliant') AS compliant,
                count(i.id) FILTER (WHERE i.status = 'issue_found') AS issues
           FROM audit_weeks w LEFT JOIN audit_items i ON i.audit_week_id = w.id
          GROUP BY w.id ORDER BY w.week_start DESC`,
    );
    const current = this.drawer.currentWeek();
    return {
      currentWeek: current.label,
      currentWeekDrawn: weeks.some((w) => w.iso_week === current.label),
      overdueAfterDays: days,
      missedWeeks: this.missedWeeks(
        current,
        weeks.map((w) => w.iso_week),
      ),
      coverage: {
        last4Weeks: await this.coverage(current, 4),
        last13Weeks: await this.coverage(current, 13),
      },
      weeks: weeks.map((w) => {
        const total = Number(w.total);
        const done = Number(w.done);
        const overdue = now >= this.dueAt(w.week_end, days) ? total - done : 0;
        return {
          week: w.iso_week,
          firstDay: w.first_day,
          lastDay: w.last_day,
          drawnAt: w.drawn_at,
          trigger: w.trigger,
          drawnLate: w.drawn_late,
          lateReason: w.late_reason,
          activeCount: w.active_count,
          sampleSize: w.sample_size,
          progress: { done, total, compliant: Number(w.compliant), issueFound: Number(w.issues) },
          dueAt: this.dueAt(w.week_end, days),
          overdue,
        };
      }),
    };
  }

  /** Weeks without a draw since the first draw ever made, within the last 13 weeks (newest first). */
  private missedWeeks(current: IsoWeek, drawn: string[]): string[] {
    if (drawn.length === 0) return [];
    const set = new Set(drawn);
    const missed: string[] = [];
    const oldestDrawn = drawn[drawn.length - 1];
    for (let back = 1; back <= 13; back++) {
      const week = shiftWeek(current, -back, this.config.tzPolicy);
      if (week.label < oldestDrawn) break;
      if (!set.has(week.label)) missed.push(week.label);
    }
    return missed;
  }

  /** Share of today's active fleet drawn at least once in the last `weeks` ISO weeks (this one included). */
  private async coverage(current: IsoWeek, weeks: number) {
    const since = shiftWeek(current, -(weeks - 1), this.config.tzPolicy);
    const rows: { fleet: string; audited: string; reviewed: string }[] = await this.db.query(
      `SELECT (SELECT count(*) FROM vehicles WHERE status = 'active') AS fleet,
              count(DISTINCT i.vehicle_id) AS audited,
              count(DISTINCT i.vehicle_id) FILTER (WHERE i.status <> 'pending') AS reviewed
         FROM audit_items i
         JOIN audit_weeks w ON w.id = i.audit_week_id
         JOIN vehicles v ON v.id = i.vehicle_id AND v.status = 'active'
        WHERE w.week_start >= $1 AND w.week_start < $2`,
      [since.start, current.end],
    );
    const fleet = Number(rows[0].fleet);
    const audited = Number(rows[0].audited);
    return {
      fromWeek: since.label,
      toWeek: current.label,
      fleet,
      audited,
      reviewed: Number(rows[0].reviewed),
      share: fleet === 0 ? 0 : Math.round((audited / fleet) * 10_000) / 10_000,
    };
  }

  private async weekRow(label: string): Promise<WeekRow> {
    const week = this.week(label);
    const rows: WeekRow[] = await this.db.query(
      `SELECT id, iso_week, first_day::text, last_day::text, week_start, week_end, algorithm, seed, roster, roster_hash,
              active_count, sample_rate, sample_size, sample, trigger, drawn_by, drawn_at, drawn_late, late_reason
         FROM audit_weeks WHERE iso_week = $1`,
      [week.label],
    );
    if (rows.length === 0) throw auditError('WEEK_NOT_DRAWN', week.label);
    return rows[0];
  }

  async get(label: string) {
    const w = await this.weekRow(label);
    const days = await this.overdueDays();
    const dueAt = this.dueAt(w.week_end, days);
    const overdueNow = this.clock.now() >= dueAt;
    const items: ItemRow[] = await this.db.query(
      `SELECT i.id, i.vehicle_id, v.plate_number, i.position, i.status, i.trips, i.distance_m, i.off_hours_distance_m,
              i.findings, i.note, i.case_id, i.reviewed_by, i.reviewed_at
         FROM audit_items i JOIN vehicles v ON v.id = i.vehicle_id
        WHERE i.audit_week_id = $1 ORDER BY i.position`,
      [w.id],
    );
    const done = items.filter((i) => i.status !== 'pending').length;
    return {
      week: w.iso_week,
      firstDay: w.first_day,
      lastDay: w.last_day,
      drawnAt: w.drawn_at,
      drawnBy: w.drawn_by,
      trigger: w.trigger,
      drawnLate: w.drawn_late,
      lateReason: w.late_reason,
      algorithm: w.algorithm,
      seed: w.seed,
      rosterHash: w.roster_hash,
      activeCount: w.active_count,
      sampleRate: w.sample_rate,
      sampleSize: w.sample_size,
      dueAt,
      progress: { done, total: items.length },
      overdue: overdueNow ? items.length - done : 0,
      items: items.map((i) => ({
        id: i.id,
        vehicleId: i.vehicle_id,
        plateNumber: i.plate_number,
        position: i.position,
        status: i.status,
        overdue: overdueNow && i.status === 'pending',
        previousWeek: {
          trips: i.trips,
          distanceKm: Math.round(i.distance_m) / 1000,
          offHoursDistanceKm: Math.round(i.off_hours_distance_m) / 1000,
          findings: i.findings,
        },
        note: i.note,
        caseId: i.case_id,
        reviewedBy: i.reviewed_by,
        reviewedAt: i.reviewed_at,
      })),
    };
  }

  /** Repeats the draw from the recorded seed and roster and says which checks hold. */
  async verify(label: string) {
    const w = await this.weekRow(label);
    const items: { vehicle_id: string }[] = await this.db.query(
      'SELECT vehicle_id FROM audit_items WHERE audit_week_id = $1 ORDER BY position',
      [w.id],
    );
    const roster = w.roster;
    const recomputedHash = rosterHash(roster);
    const recomputed = drawSample(Buffer.from(w.seed, 'hex'), roster, w.sample_size);
    const minimum = sampleSize(roster.length, 0.1);
    const known: { n: string }[] = await this.db.query(
      'SELECT count(*) AS n FROM vehicles WHERE id = ANY($1::uuid[])',
      [roster],
    );
    const checks = {
      rosterHashMatches: recomputedHash === w.roster_hash,
      rosterIsCanonical: JSON.stringify(canonicalRoster(roster)) === JSON.stringify(roster),
      activeCountMatchesRoster: roster.length === w.active_count,
      sampleMatches: JSON.stringify(recomputed) === JSON.stringify(w.sample),
      itemsMatchSample: JSON.stringify(items.map((i) => i.vehicle_id)) === JSON.stringify(w.sample),
      sampleSizeMeetsPolicy: w.sample_size >= minimum,
      rosterCarsRegistered: Number(known[0].n) === roster.length,
    };
    return {
      week: w.iso_week,
      drawnLate: w.drawn_late,
      lateReason: w.late_reason,
      verified: Object.values(checks).every(Boolean),
      checks,
      algorithm: w.algorithm,
      seed: w.seed,
      rosterHash: w.roster_hash,
      recomputedRosterHash: recomputedHash,
      roster,
      sampleSize: w.sample_size,
      minimumSampleSize: minimum,
      recordedSample: w.sample,
      recomputedSample: recomputed,
    };
  }

  async mark(label: string, itemId: string, body: MarkItemDto, who: Principal) {
    if (body.result === 'issue_found' && !body.note?.trim()) {
      throw new BadRequestException(['note is required when an issue is found']);
    }
    const w = await this.weekRow(label);
    const now = this.clock.now();
    return this.db.transaction(async (manager) => {
      const rows: { id: string; vehicle_id: string; status: string; plate_number: string }[] = await manager.query(
        `SELECT i.id, i.vehicle_id, i.status, v.plate_number
           FROM audit_items i JOIN vehicles v ON v.id = i.vehicle_id
          WHERE i.id = $1 AND i.audit_week_id = $2 FOR UPDATE OF i`,
        [itemId, w.id],
      );
      const item = rows[0];
      if (!item) throw auditError('ITEM_NOT_FOUND', itemId);
      if (item.status !== 'pending') throw auditError('ITEM_ALREADY_REVIEWED', item.status);
      let caseId: string | null = null;
      if (body.result === 'issue_found') {
        const opened: { id: string }[] = await manager.query(
          `INSERT INTO cases (vehicle_id, rule, local_day, source, status, title, opened_at, updated_at)
           VALUES ($1, 'audit_finding', $2, 'audit', 'open', $3, $4, $4) RETURNING id`,
          [
            item.vehicle_id,
            localDate(now, this.config.tzPolicy),
            `Weekly audit ${w.iso_week}: issue found for ${item.plate_number}`,
            now,
          ],
        );
        caseId = opened[0].id;
        await this.history.append(manager, {
          entityType: 'case',
          entityId: caseId,
          action: 'opened',
          actor: who.name,
          data: {
            source: 'audit',
            rule: 'audit_finding',
            auditWeek: w.iso_week,
            auditItemId: item.id,
            note: body.note,
          },
        });
      }
      await manager.query(
        `UPDATE audit_items SET status = $2, note = $3, case_id = $4, reviewed_by = $5, reviewed_at = $6 WHERE id = $1`,
        [item.id, body.result, body.note ?? null, caseId, who.name, now],
      );
      await this.history.append(manager, {
        entityType: 'audit_item',
        entityId: item.id,
        action: body.result,
        actor: who.name,
        data: { week: w.iso_week, vehicleId: item.vehicle_id, note: body.note ?? null, caseId },
      });
      return { id: item.id, week: w.iso_week, status: body.result, note: body.note ?? null, caseId, reviewedAt: now };
    });
  }

  async drawNow(who: Principal) {
    const week = this.drawer.currentWeek();
    const outcome = await this.drawer.drawWeek(week, 'manual', who.name);
    if (outcome.status === 'already_drawn') throw auditError('WEEK_ALREADY_DRAWN', week.label);
    if (outcome.status === 'no_active_cars') throw auditError('NO_ACTIVE_CARS', week.label);
    return outcome;
  }
}
