import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { filter, Observable, Subject } from 'rxjs';
import { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '#app/calendar';
import { APP_CONFIG, type AppConfig } from '#app/config';
import type { LiveCar } from './fleet-live.service.js';
import { linkState } from './live-status.js';

/** How often the live state is read while someone watches; the gateway writes it every 0.5 s when caught up. */
export const STREAM_POLL_MS = 400;
/** Rows are read again this far back, so a flush committed late behind a newer one is not skipped. */
const OVERLAP_MS = 5_000;
const HEARTBEAT_MS = 15_000;

/** A car's new fix as the map needs it: the live view's fields, with the receive time always known. */
export type LiveMove = Pick<
  LiveCar,
  'vehicleId' | 'state' | 'fixTime' | 'lat' | 'lon' | 'speedKmh' | 'headingDeg' | 'ignition' | 'alarmFlags'
> & { receivedAt: string };

/** A finding the detector has just raised. */
export interface LiveFinding {
  id: string;
  vehicleId: string;
  rule: string;
  kind: string;
  startTime: string;
  detectedAt: string;
}

/** A finding a notification rule addressed to the listener on the dashboard channel. */
export interface LiveNotification {
  id: string;
  violationId: string;
  vehicleId: string;
  plateNumber: string;
  rule: string;
  kind: string;
  severity: string;
  startTime: string;
  notificationRule: string | null;
  createdAt: string;
}

export interface StreamEvent {
  type: 'positions' | 'findings' | 'notifications' | 'ping';
  data: LiveMove[] | LiveFinding[] | LiveNotification[] | { at: string };
  /** Set on events for one user only (their notifications); others go to every listener. */
  userId?: string;
}

interface MoveRow {
  vehicle_id: string;
  fix_time: Date | null;
  received_at: Date;
  lat: number | null;
  lon: number | null;
  speed_kmh: number | null;
  heading_deg: number | null;
  ignition: boolean | null;
  alarm_flags: string | null;
  online: boolean | null;
}

interface NotificationRow {
  id: string;
  user_id: string;
  violation_id: string;
  vehicle_id: string;
  plate_number: string;
  rule: string;
  kind: string;
  severity: string;
  start_time: Date;
  rule_name: string | null;
  created_at: Date;
}

interface FindingRow {
  id: string;
  vehicle_id: string;
  rule: string;
  kind: string;
  start_time: Date;
  detected_at: Date;
}

/**
 * The push channel of the live map. The gateway keeps one row per terminal in vehicle_live; while at least one
 * browser listens, one reader (shared by all listeners) picks up the rows received since the last look, the
 * findings detected since and the dashboard notifications planned since, and sends only those (a notification
 * only to the user it is for). Nobody listening → no queries at all.
 */
@Injectable()
export class FleetStreamService implements OnModuleDestroy {
  private readonly events = new Subject<StreamEvent>();
  private listeners = 0;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private reading = false;
  /** Watermarks from the database's own times (the gateway's and PostgreSQL's clocks, not this process's). */
  private movesSince: Date | null = null;
  private findingsSince: Date | null = null;
  private notesSince: Date | null = null;
  private readonly sentMoves = new Map<string, number>();
  private readonly sentFindings = new Map<string, number>();
  private readonly sentNotes = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Every change from now on, for one listener (`userId`: who listens, for the events meant for them alone). */
  watch(userId?: string): Observable<StreamEvent> {
    return new Observable<StreamEvent>((subscriber) => {
      const subscription = this.events
        .pipe(filter((event) => event.userId === undefined || event.userId === userId))
        .subscribe(subscriber);
      if (this.listeners++ === 0) this.start();
      return () => {
        subscription.unsubscribe();
        if (--this.listeners === 0) this.stop();
      };
    });
  }

  onModuleDestroy(): void {
    this.stop();
    this.events.complete();
  }

  private start(): void {
    this.timer = setInterval(() => void this.read(), STREAM_POLL_MS);
    this.heartbeat = setInterval(
      () => this.events.next({ type: 'ping', data: { at: this.clock.now().toISOString() } }),
      HEARTBEAT_MS,
    );
    void this.read();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = this.heartbeat = null;
    this.movesSince = this.findingsSince = this.notesSince = null;
    this.sentMoves.clear();
    this.sentFindings.clear();
    this.sentNotes.clear();
  }

  /** One look at what changed; skipped while the previous look is still running. */
  private async read(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      if (this.movesSince === null || this.findingsSince === null || this.notesSince === null) {
        // The first look only sets the watermarks: the listener has just loaded the whole fleet.
        const [marks] = await this.db.query(
          `SELECT (SELECT max(received_at) FROM vehicle_live) AS moves,
                  (SELECT max(detected_at) FROM violations) AS findings,
                  (SELECT max(created_at) FROM notifications WHERE channel = 'dashboard') AS notes, now() AS now`,
        );
        this.movesSince = marks.moves ?? new Date(0);
        this.findingsSince = marks.findings ?? marks.now;
        this.notesSince = marks.notes ?? marks.now;
        // What the overlap would bring back counts as sent already.
        await this.newMoves(this.movesSince!);
        await this.newFindings(this.findingsSince!);
        await this.newNotes(this.notesSince!);
        return;
      }
      const moves = await this.newMoves(this.movesSince);
      const findings = await this.newFindings(this.findingsSince);
      const notes = await this.newNotes(this.notesSince);
      if (this.timer === null) return; // the last listener left meanwhile
      if (moves.length > 0) this.events.next({ type: 'positions', data: moves });
      if (findings.length > 0) this.events.next({ type: 'findings', data: findings });
      for (const [userId, mine] of notes) this.events.next({ type: 'notifications', data: mine, userId });
    } catch {
      // A failed look is retried by the next tick; the listeners keep what they have.
    } finally {
      this.reading = false;
    }
  }

  private async newMoves(since: Date): Promise<LiveMove[]> {
    const rows: MoveRow[] = await this.db.query(
      `SELECT b.vehicle_id, l.fix_time, l.received_at, l.lat, l.lon, l.speed_kmh, l.heading_deg, l.ignition,
              l.alarm_flags, l.online
         FROM vehicle_live l
         JOIN terminal_bindings b ON b.terminal_id = l.terminal_id AND b.valid_to IS NULL
         JOIN vehicles v ON v.id = b.vehicle_id AND v.status = 'active'
        WHERE l.received_at > $1`,
      [new Date(since.getTime() - OVERLAP_MS)],
    );
    const now = this.clock.now();
    const moves: LiveMove[] = [];
    for (const row of rows) {
      const received = row.received_at.getTime();
      if (received > this.movesSince!.getTime()) this.movesSince = row.received_at;
      if (this.sentMoves.get(row.vehicle_id) === received) continue;
      this.sentMoves.set(row.vehicle_id, received);
      moves.push({
        vehicleId: row.vehicle_id,
        state: linkState(
          { fixTime: row.fix_time, receivedAt: row.received_at, statusOnline: row.online },
          now,
          this.config.ingest.offlineAfterSeconds,
        ),
        fixTime: row.fix_time?.toISOString() ?? null,
        receivedAt: row.received_at.toISOString(),
        lat: row.lat,
        lon: row.lon,
        speedKmh: row.speed_kmh,
        headingDeg: row.heading_deg,
        ignition: row.ignition,
        alarmFlags: row.alarm_flags === null ? null : Number(row.alarm_flags),
      });
    }
    return moves;
  }

  private async newFindings(since: Date): Promise<LiveFinding[]> {
    const rows: FindingRow[] = await this.db.query(
      `SELECT id, vehicle_id, rule, kind, start_time, detected_at FROM violations WHERE detected_at > $1
        ORDER BY detected_at LIMIT 1000`,
      [new Date(since.getTime() - OVERLAP_MS)],
    );
    const findings: LiveFinding[] = [];
    for (const row of rows) {
      if (row.detected_at.getTime() > this.findingsSince!.getTime()) this.findingsSince = row.detected_at;
      if (this.sentFindings.has(row.id)) continue;
      findings.push({
        id: row.id,
        vehicleId: row.vehicle_id,
        rule: row.rule,
        kind: row.kind,
        startTime: row.start_time.toISOString(),
        detectedAt: row.detected_at.toISOString(),
      });
    }
    // Remember only what the overlap can bring back.
    const horizon = this.findingsSince!.getTime() - OVERLAP_MS * 2;
    for (const row of rows) this.sentFindings.set(row.id, row.detected_at.getTime());
    for (const [id, at] of this.sentFindings) if (at < horizon) this.sentFindings.delete(id);
    return findings;
  }

  /** Dashboard notifications planned since the watermark, by the user they are for. */
  private async newNotes(since: Date): Promise<Map<string, LiveNotification[]>> {
    const rows: NotificationRow[] = await this.db.query(
      `SELECT n.id, n.user_id, n.violation_id, v.vehicle_id, c.plate_number, v.rule, v.kind, n.severity, v.start_time,
              r.name AS rule_name, n.created_at
         FROM notifications n
         JOIN violations v ON v.id = n.violation_id
         JOIN vehicles c ON c.id = v.vehicle_id
         LEFT JOIN notification_rules r ON r.id = n.notification_rule_id
        WHERE n.created_at > $1 AND n.channel = 'dashboard' AND n.status = 'sent' AND n.user_id IS NOT NULL
        ORDER BY n.created_at LIMIT 1000`,
      [new Date(since.getTime() - OVERLAP_MS)],
    );
    const byUser = new Map<string, LiveNotification[]>();
    for (const row of rows) {
      if (row.created_at.getTime() > this.notesSince!.getTime()) this.notesSince = row.created_at;
      if (this.sentNotes.has(row.id)) continue;
      const list = byUser.get(row.user_id) ?? [];
      list.push({
        id: row.id,
        violationId: row.violation_id,
        vehicleId: row.vehicle_id,
        plateNumber: row.plate_number,
        rule: row.rule,
        kind: row.kind,
        severity: row.severity,
        startTime: row.start_time.toISOString(),
        notificationRule: row.rule_name,
        createdAt: row.created_at.toISOString(),
      });
      byUser.set(row.user_id, list);
    }
    const horizon = this.notesSince!.getTime() - OVERLAP_MS * 2;
    for (const row of rows) this.sentNotes.set(row.id, row.created_at.getTime());
    for (const [id, at] of this.sentNotes) if (at < horizon) this.sentNotes.delete(id);
    return byUser;
  }
}
