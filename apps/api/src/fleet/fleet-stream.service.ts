import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Observable, Subject } from 'rxjs';
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

export interface StreamEvent {
  type: 'positions' | 'findings' | 'ping';
  data: LiveMove[] | LiveFinding[] | { at: string };
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
 * browser listens, one reader (shared by all listeners) picks up the rows received since the last look and the
 * findings detected since, and sends only those. Nobody listening → no queries at all.
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
  private readonly sentMoves = new Map<string, number>();
  private readonly sentFindings = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Every change from now on, for one listener. */
  watch(): Observable<StreamEvent> {
    return new Observable<StreamEvent>((subscriber) => {
      const subscription = this.events.subscribe(subscriber);
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
    this.movesSince = this.findingsSince = null;
    this.sentMoves.clear();
    this.sentFindings.clear();
  }

  /** One look at what changed; skipped while the previous look is still running. */
  private async read(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      if (this.movesSince === null || this.findingsSince === null) {
        // The first look only sets the watermarks: the listener has just loaded the whole fleet.
        const [marks] = await this.db.query(
          `SELECT (SELECT max(received_at) FROM vehicle_live) AS moves,
                  (SELECT max(detected_at) FROM violations) AS findings, now() AS now`,
        );
        this.movesSince = marks.moves ?? new Date(0);
        this.findingsSince = marks.findings ?? marks.now;
        // What the overlap would bring back counts as sent already.
        await this.newMoves(this.movesSince!);
        await this.newFindings(this.findingsSince!);
        return;
      }
      const moves = await this.newMoves(this.movesSince);
      const findings = await this.newFindings(this.findingsSince);
      if (this.timer === null) return; // the last listener left meanwhile
      if (moves.length > 0) this.events.next({ type: 'positions', data: moves });
      if (findings.length > 0) this.events.next({ type: 'findings', data: findings });
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
}
