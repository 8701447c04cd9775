import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { HistoryService } from '#app/history';
import { CLOCK, type Clock } from '#app/calendar';
import { DRAW_ALGORITHM, canonicalRoster, drawSample, rosterHash, sampleSize } from './draw.js';
import { isoWeekAt, shiftWeek, type IsoWeek } from './iso-week.js';

export type DrawTrigger = 'schedule' | 'catch_up' | 'manual';

export type DrawOutcome =
  | { status: 'drawn'; week: string; auditWeekId: string; activeCount: number; sampleSize: number }
  | { status: 'already_drawn'; week: string; auditWeekId: string }
  /** Nothing to draw from yet (a fresh installation): the week stays open for a later check. */
  | { status: 'no_active_cars'; week: string };

/**
 * Draws the weekly audit sample and stores it with everything needed to repeat it. The unique key on
 * `audit_weeks.iso_week` is what makes a second draw impossible: two schedulers racing both try the
 * insert and the database lets exactly one through.
 */
@Injectable()
export class AuditDrawService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  currentWeek(): IsoWeek {
    return isoWeekAt(this.clock.now(), this.config.tzPolicy);
  }

  async isDrawn(week: IsoWeek): Promise<boolean> {
    const rows: unknown[] = await this.db.query('SELECT 1 FROM audit_weeks WHERE iso_week = $1', [week.label]);
    return rows.length > 0;
  }

  /** The drawn week labels, newest first, that started at or after `since`. */
  async drawnWeeksSince(since: Date): Promise<string[]> {
    const rows: { iso_week: string }[] = await this.db.query(
      'SELECT iso_week FROM audit_weeks WHERE week_start >= $1 ORDER BY week_start DESC',
      [since],
    );
    return rows.map((r) => r.iso_week);
  }

  /**
   * Past weeks not drawn, oldest first: back to `limit` weeks before the current one, and never before
   * the first draw ever made (an installation has nothing to audit from before it ran).
   */
  async missedWeeks(limit: number): Promise<IsoWeek[]> {
    const rows: { first: Date | null }[] = await this.db.query('SELECT min(week_start) AS first FROM audit_weeks');
    const first = rows[0].first ? new Date(rows[0].first) : null;
    if (!first || limit <= 0) return [];
    const current = this.currentWeek();
    const drawn = new Set(await this.drawnWeeksSince(shiftWeek(current, -limit, this.config.tzPolicy).start));
    const missed: IsoWeek[] = [];
    for (let back = limit; back >= 1; back--) {
      const week = shiftWeek(current, -back, this.config.tzPolicy);
      if (week.start >= first && !drawn.has(week.label)) missed.push(week);
    }
    return missed;
  }

  /**
   * Draws a week. A week drawn after it ended (`late`) is drawn from the cars in service when it began,
   * not today's fleet, and is marked as drawn late with the reason; its items carry the trips of the week
   * before it, as its draw on time would have.
   */
  async drawWeek(week: IsoWeek, trigger: DrawTrigger, actor: string, late?: { reason: string }): Promise<DrawOutcome> {
    const seed = randomBytes(32);
    const drawnAt = this.clock.now();
    const previous = shiftWeek(week, -1, this.config.tzPolicy);
    const outcome = await this.db.transaction(async (manager): Promise<DrawOutcome> => {
      const active: { id: string }[] = late
        ? await manager.query(
            `SELECT id FROM vehicles
              WHERE commissioned_on <= $1::date AND (decommissioned_on IS NULL OR decommissioned_on > $1::date)`,
            [week.firstDay],
          )
        : await manager.query(`SELECT id FROM vehicles WHERE status = 'active'`);
      const roster = canonicalRoster(active.map((v) => v.id));
      // Recording an empty draw would lock the week before the fleet is registered.
      if (roster.length === 0) return { status: 'no_active_cars', week: week.label };
      const size = sampleSize(roster.length, this.config.auditSampleRate);
      const sample = drawSample(seed, roster, size);
      const hash = rosterHash(roster);
      const inserted: { id: string }[] = await manager.query(
        `INSERT INTO audit_weeks (iso_week, first_day, last_day, week_start, week_end, algorithm, seed, roster,
           roster_hash, active_count, sample_rate, sample_size, sample, trigger, drawn_by, drawn_at, drawn_late,
           late_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT (iso_week) DO NOTHING
         RETURNING id`,
        [
          week.label,
          week.firstDay,
          week.lastDay,
          week.start,
          week.end,
          DRAW_ALGORITHM,
          seed.toString('hex'),
          JSON.stringify(roster),
          hash,
          roster.length,
          this.config.auditSampleRate,
          size,
          JSON.stringify(sample),
          trigger,
          actor,
          drawnAt,
          late !== undefined,
          late?.reason ?? null,
        ],
      );
      if (inserted.length === 0) {
        const existing: { id: string }[] = await manager.query('SELECT id FROM audit_weeks WHERE iso_week = $1', [
          week.label,
        ]);
        return { status: 'already_drawn', week: week.label, auditWeekId: existing[0].id };
      }
      const auditWeekId = inserted[0].id;
      // Each drawn car is audited on what it did in the week before the draw.
      await manager.query(
        `INSERT INTO audit_items (audit_week_id, vehicle_id, position, trips, distance_m, off_hours_distance_m, findings)
         SELECT $1, s.vehicle_id, s.position,
           (SELECT count(*) FROM trips t
             WHERE t.vehicle_id = s.vehicle_id AND t.start_time >= $2 AND t.start_time < $3),
           (SELECT coalesce(sum(t.distance_m), 0) FROM trips t
             WHERE t.vehicle_id = s.vehicle_id AND t.start_time >= $2 AND t.start_time < $3),
           (SELECT coalesce(sum(t.off_hours_distance_m), 0) FROM trips t
             WHERE t.vehicle_id = s.vehicle_id AND t.start_time >= $2 AND t.start_time < $3),
           (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'violationId', v.id, 'rule', v.rule, 'kind', v.kind, 'startTime', v.start_time, 'caseId', v.case_id)
                ORDER BY v.start_time), '[]'::jsonb)
              FROM violations v
             WHERE v.vehicle_id = s.vehicle_id AND v.start_time >= $2 AND v.start_time < $3)
         FROM unnest($4::uuid[]) WITH ORDINALITY AS s(vehicle_id, position)`,
        [auditWeekId, previous.start, previous.end, sample],
      );
      await this.history.append(manager, {
        entityType: 'audit_week',
        entityId: week.label,
        action: 'drawn',
        actor,
        data: {
          auditWeekId,
          algorithm: DRAW_ALGORITHM,
          seed: seed.toString('hex'),
          rosterHash: hash,
          activeCount: roster.length,
          sampleRate: this.config.auditSampleRate,
          sampleSize: size,
          sample,
          trigger,
          ...(late ? { drawnLate: true, lateReason: late.reason } : {}),
        },
      });
      return { status: 'drawn', week: week.label, auditWeekId, activeCount: roster.length, sampleSize: size };
    });
    return outcome;
  }
}
