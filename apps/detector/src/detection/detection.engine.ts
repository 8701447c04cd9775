import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { loadCalendar } from '#app/calendar';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { inlineParameters, onConnection, results, transactionInOneMessage, type VehicleCategory } from '#app/db';
import { approvedOrdersQuery, ordersByVehicle } from '#app/dispatch';
import { cardEventsQuery, cardsByVehicle, holderAt, type CardEvent } from './driver-cards.js';
import { PROMPT_FRESH_MS, queueVoicePrompt } from './voice-prompt.js';
import { loadFences, type FenceLookup } from '#app/geo';
import type { HandoffPosition } from '#app/handoff';
import { HistoryService } from '#app/history';
import { rootLogger, type Logger } from '#app/logging';
import {
  activeRules,
  currentTrip,
  initialVehicleState,
  localClock,
  mergeParameters,
  ongoingFindings,
  runVehicle,
  sweepSilentTerminals,
  type ApprovedDispatchOrder,
  type FindingEvent,
  type RuleEnv,
  type RuleParameters,
  type VehicleProfile,
  type VehicleState,
  type WorkingCalendar,
} from '#app/rules';
import {
  FINDING_WITH_CASE_AND_ENTRY_SQL,
  findingWithCaseValues,
  insertFindingWithCase,
  joinCase,
} from './case-joining.js';
import {
  anyReceivedSince,
  forgetAfterSql,
  inlineBulk,
  loadArrived,
  loadCheckpoint,
  loadPositions,
  loadStates,
  countReceivedSince,
  ongoingWrites,
  rowsOf,
  saveFinding,
  tripWrites,
  vehicleStateWrites,
  type BulkWrite,
  type LoadedPosition,
  type StoredVehicleState,
  type VehicleWrite,
} from './detection.store.js';
import { DETECTOR_OPTIONS, type DetectorOptions } from './detector.options.js';
import { isLeaseLost, LEASE_LOST, PartitionLeases, type LeaseListener } from '../partitions/partition-leases.js';
import { countRaised, findingsRaised } from './detector-metrics.js';
import { EvaluationBacklog } from './evaluation-backlog.js';

/** Cars read from the table per cycle while hand-off news is waiting (see drain). */
const SLOW_CARS_BETWEEN_FAST_CYCLES = 20;

/**
 * The catch-up counts the arrivals of this many cars per statement, with a pause between statements: counting the
 * whole fleet at once kept a database core busy for 60–130 ms, and the findings of that moment waited behind it.
 */
const CATCH_UP_SLICE = 50;
const CATCH_UP_PAUSE_MS = 20;

/**
 * The positions received after `from` that have been evaluated (fix time → receive time): `before` updated in
 * place (the cache entry that holds it is replaced or dropped with the cycle's outcome), or a new map.
 */
function recentAfter(
  before: Map<number, number> | undefined,
  evaluated: LoadedPosition[],
  from: number,
): Map<number, number> {
  const recent = before ?? new Map<number, number>();
  // `from` moves only when the car is read from the table: the fast cycles between two reads scan nothing (a
  // scan per cycle was the detector's costliest function and a tenth of its garbage).
  if ((prunedTo.get(recent) ?? -Infinity) < from) {
    recent.forEach((received, t) => {
      if (received <= from) recent.delete(t);
    });
    prunedTo.set(recent, from);
  }
  for (const p of evaluated) if (p.receivedMs > from) recent.set(p.t, p.receivedMs);
  return recent;
}
/** How far each `recent` map was last pruned. */
const prunedTo = new WeakMap<Map<number, number>, number>();
const DAY = 86_400_000;

/** A string as an SQL literal (standard_conforming_strings is on, as it is by default). */
const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

interface Plan {
  base: VehicleState;
  positions: LoadedPosition[] | null;
  after: number;
  replayedFrom: number | null;
  readAt: Date;
  /** Findings may start a little differently from ones already raised (re-evaluation): merge by overlap. */
  merge?: boolean;
}

/** A car's state as last evaluated, and how far its saved copy lags behind. */
type Cached = StoredVehicleState & {
  /** When the state was last saved (or loaded), when findings' ends and the trip under way were last moved. */
  persistedAt: number;
  progressAt: number;
  /** Positions evaluated since the saved state: evaluated again after a crash. */
  unsaved: number;
  /** When the car last had something evaluated. */
  touchedAt: number;
};

interface Fleet {
  fences: FenceLookup;
  calendar: WorkingCalendar;
  params: RuleParameters;
  vehicles: Map<string, VehicleProfile & { plate: string }>;
}

/**
 * Evaluates every car's positions in fix-time order, one car at a time: the hand-off only says which cars
 * have news; the positions table is read for what to evaluate, so a lost message, a restart or late data
 * loses nothing. Each cycle commits findings, cases, trips and the new watermark together, so nothing is
 * raised twice.
 *
 * It evaluates only the cars of the partitions it holds a lease on (PartitionLeases). Each commit proves the
 * leases its cars belong to, so once another detector has taken a partition nothing more is written for it
 * from here; a partition taken is caught up from the table, starting from the state its last holder committed.
 */
@Injectable()
export class DetectionEngine implements OnApplicationBootstrap, OnApplicationShutdown, LeaseListener {
  private readonly log: Logger;
  /** The partitions this engine works on, with their lease tokens; changed only between cycles. */
  private readonly held = new Map<number, string>();
  /** Cycles and changes of the partitions held run one at a time, in this chain. */
  private lock: Promise<void> = Promise.resolve();
  private started = false;
  /** Cars whose news must be read from the positions table. */
  private readonly dirty = new Set<string>();
  /** Cars in the middle of a long evaluation, with the read time to resume arrival reads from. */
  private readonly paging = new Map<string, Date>();
  /** Positions the hand-off carried, per car, not yet evaluated. */
  private readonly pending = new Map<string, LoadedPosition[]>();
  private draining: Promise<void> | null = null;
  private fleet: Fleet | null = null;
  /** Each car's state as last evaluated; the saved copy lags by up to `checkpointPositions` positions. */
  private readonly cache = new Map<string, Cached>();
  private fleetLoadedAt = 0;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  /** Cars with news not yet evaluated, since when, by the partition leased: the detector's lag at /metrics. */
  readonly backlog = new EvaluationBacklog((vehicleId) => String(this.leases.partitionOf(vehicleId)));
  /** Cycles run and findings raised, for logs and tests. */
  readonly stats = {
    cycles: 0,
    positions: 0,
    raised: 0,
    replays: 0,
    /** Cycles whose commit was refused: another detector had taken a partition of their cars. */
    fenced: 0,
    /** Checkpoints saved and the bytes of packed state they carried (state rows and snapshots). */
    checkpoints: 0,
    stateBytes: 0,
    /** Milliseconds spent per phase of the cycles, for tuning. */
    phaseMs: { read: 0, evaluate: 0, commit: 0 },
  };

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DETECTOR_OPTIONS) private readonly options: DetectorOptions,
    private readonly leases: PartitionLeases,
  ) {
    this.log = rootLogger(config.logLevel).child({ component: 'detector' });
    this.log.level = config.logLevel;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.refreshFleet();
    this.leases.listen(this);
    await this.leases.start();
    // Partitions taken from now on are caught up as they come; those taken at start, here.
    this.started = true;
    await this.catchUp();
    const every = (ms: number, work: () => Promise<unknown>) => {
      if (ms <= 0) return;
      const timer = setInterval(() => {
        work().catch((err: unknown) => this.log.error({ err }, 'detector background work failed'));
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.catchUpMs, () => this.catchUp());
    every(this.options.contextRefreshMs, () => this.refreshFleet());
    every(this.options.silentSweepMs, () => this.sweepSilent());
    if (this.options.idleCheckpointMs > 0) {
      every(Math.min(this.options.idleCheckpointMs, 5_000), () => this.checkpointIdle());
    }
  }

  /** Saves the state of cars that have gone quiet with enough unsaved, so a restart need not evaluate it again. */
  async checkpointIdle(now = Date.now()): Promise<void> {
    await this.exclusive(() =>
      this.persistAll(
        (c) => c.unsaved >= this.options.idleCheckpointPositions && now - c.touchedAt >= this.options.idleCheckpointMs,
      ),
    ).catch((err: unknown) => {
      if (!isLeaseLost(err)) throw err;
      this.leases.checkSoon();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.draining?.catch(() => undefined);
    await this.exclusive(() => this.persistAll()).catch((err: unknown) =>
      this.log.warn({ err }, 'could not save the detector state'),
    );
    // Released only now: whoever takes the partitions starts from the state just saved.
    await this.leases.stop().catch((err: unknown) => this.log.warn({ err }, 'could not release the partitions'));
  }

  /** Partitions taken: whatever this engine knew of their cars is stale; they are caught up from the table. */
  async gained(leases: ReadonlyMap<number, string>): Promise<void> {
    await this.exclusive(async () => {
      this.forgetCars((id) => leases.has(this.leases.partitionOf(id)));
      for (const [partition, token] of leases) this.held.set(partition, token);
      this.backlog.hold([...leases.keys()].map(String));
    });
    if (this.started) {
      this.catchUp([...leases.keys()]).catch((err: unknown) =>
        this.log.error({ err }, 'catching up partitions taken over failed; the next catch-up retries'),
      );
    }
  }

  /** Partitions let go: their cars' states are saved (while the leases still allow it) and forgotten. */
  async lost(partitions: number[]): Promise<void> {
    await this.exclusive(async () => {
      const going = new Set(partitions.filter((p) => this.held.has(p)));
      if (going.size === 0) return;
      const inGoing = (id: string) => going.has(this.leases.partitionOf(id));
      await this.persistAll((c) => inGoing(c.vehicleId)).catch((err: unknown) => {
        if (!isLeaseLost(err)) this.log.warn({ err }, 'could not save the state of partitions let go');
      });
      this.forgetCars(inGoing);
      for (const p of going) this.held.delete(p);
      this.backlog.release([...going].map(String));
    });
  }

  /** Whether this engine evaluates the car now. */
  private owns(vehicleId: string): boolean {
    return this.held.has(this.leases.partitionOf(vehicleId));
  }

  private forgetCars(which: (vehicleId: string) => boolean): void {
    for (const map of [this.cache, this.pending, this.paging]) {
      for (const id of map.keys()) if (which(id)) map.delete(id);
    }
    for (const id of this.dirty) if (which(id)) this.dirty.delete(id);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The hand-off says these cars have new positions. */
  notify(vehicleIds: Iterable<string>): void {
    const now = Date.now();
    for (const id of vehicleIds) {
      if (!this.owns(id)) continue;
      this.dirty.add(id);
      this.backlog.news(id, now);
    }
    this.kick();
  }

  /** The hand-off carried these committed positions. */
  handoff(positions: readonly HandoffPosition[]): void {
    for (const p of positions) {
      if (!this.owns(p.vehicleId)) continue;
      this.backlog.news(p.vehicleId, p.receivedAt);
      let list = this.pending.get(p.vehicleId);
      if (!list) this.pending.set(p.vehicleId, (list = []));
      list.push({
        terminalId: p.terminalId,
        t: p.fixTime,
        receivedMs: p.receivedAt,
        lat: p.lat,
        lon: p.lon,
        speedKmh: p.speedKmh,
        valid: p.valid,
        ignition: p.ignition,
        alarmFlags: p.alarmFlags,
        odometerKm: p.odometerKm,
      });
    }
    this.kick();
  }

  /** Resolves once every car marked so far has been evaluated. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /**
   * Marks every car of the partitions held (or of these partitions) that has received anything since the
   * detector last read it (or ever, if never read).
   */
  async catchUp(partitions?: number[]): Promise<void> {
    const only = partitions ? new Set(partitions) : null;
    const ids = rowsOf<{ id: string }>(await this.db.query(`SELECT id FROM vehicles`))
      .map((r) => r.id)
      .filter((id) => this.owns(id) && (!only || only.has(this.leases.partitionOf(id))));
    if (ids.length > 0) {
      const followed = ids.filter((id) => this.cache.has(id));
      const others = ids.filter((id) => !this.cache.has(id));
      // Cars not in memory: anything received since their saved read (which lags, see checkpointPositions).
      if (others.length > 0) {
        const rows = rowsOf<{ id: string }>(
          await this.db.query(
            `SELECT v.id FROM unnest($2::uuid[]) AS v(id)
               LEFT JOIN detector_vehicle_state s ON s.vehicle_id = v.id
              WHERE ${anyReceivedSince('v.id', `coalesce(s.read_at - make_interval(secs => $1), '-infinity')`)}`,
            [this.options.commitMarginSeconds, others],
          ),
        );
        this.notify(rows.map((r) => r.id));
      }
      if (followed.length > 0) await this.catchUpFollowed(followed);
    }
    await this.idle();
    if (only) return;
    await this.db.query(
      `DELETE FROM detector_checkpoints WHERE at < now() - interval '40 days' AND at > to_timestamp(0)`,
    );
  }

  /**
   * Cars in memory: the hand-off brought them everything when the table holds as many positions received since
   * their last read as they have evaluated since then (what they evaluated is in the table, so as many means the
   * same ones). Those move their last read on without reading a position; the others are read as usual. (Reading
   * every car's positions of the last minute each time stalled the detector for a few hundred milliseconds.)
   */
  private async catchUpFollowed(all: string[]): Promise<void> {
    for (let i = 0; i < all.length; i += CATCH_UP_SLICE) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, CATCH_UP_PAUSE_MS));
      if (this.stopped) return;
      await this.catchUpSlice(all.slice(i, i + CATCH_UP_SLICE));
    }
  }

  private async catchUpSlice(ids: string[]): Promise<void> {
    const margin = this.options.commitMarginSeconds * 1000;
    const asked = ids.map((id) => {
      const c = this.cache.get(id)!;
      const from = c.readAt.getTime() - margin;
      let seen = 0;
      c.recent.forEach((received) => {
        if (received > from) seen++;
      });
      return { id, readAt: c.readAt, from, seen };
    });
    const rows = rowsOf<{ id: string; n: string; read_at: Date }>(
      await this.db.query(
        `SELECT v.id, now() AS read_at, ${countReceivedSince('v.id', 'v.since')} AS n
           FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, since)`,
        [asked.map((a) => a.id), asked.map((a) => new Date(a.from))],
      ),
    );
    const counted = new Map(rows.map((r) => [r.id, r]));
    const behind: string[] = [];
    await this.exclusive(async () => {
      for (const a of asked) {
        const row = counted.get(a.id);
        const c = this.cache.get(a.id);
        if (!row || !c || c.readAt !== a.readAt) continue; // read or forgotten meanwhile
        if (Number(row.n) !== a.seen) {
          behind.push(a.id);
          continue;
        }
        c.readAt = row.read_at;
        c.recent = recentAfter(c.recent, [], row.read_at.getTime() - margin);
      }
    });
    this.notify(behind);
  }

  async refreshFleet(): Promise<Fleet> {
    const [fences, calendar, settings, vehicles] = await Promise.all([
      loadFences(this.db),
      loadCalendar(this.db),
      this.db.query(`SELECT value FROM settings WHERE key = 'rules.parameters'`),
      this.db.query(`SELECT id, category, unit_id, plate_number FROM vehicles`),
    ]);
    const stored = rowsOf<{ value: string }>(settings)[0]?.value;
    const { parameters, problems } = mergeParameters(stored ? (JSON.parse(stored) as Record<string, unknown>) : null);
    if (problems.length > 0) this.log.warn({ problems }, 'ignored rule parameters');
    this.fleet = {
      fences,
      calendar,
      params: parameters,
      vehicles: new Map(
        rowsOf<{ id: string; category: VehicleCategory; unit_id: string; plate_number: string }>(vehicles).map((v) => [
          v.id,
          { id: v.id, category: v.category, unitId: v.unit_id, plate: v.plate_number },
        ]),
      ),
    };
    this.fleetLoadedAt = Date.now();
    return this.fleet;
  }

  /**
   * Raises terminal-silent violations and opens or joins their cases — also for silent findings another app
   * raised with the exported sweep and left without a case. Returns how many were newly raised.
   */
  async sweepSilent(now = new Date()): Promise<number> {
    const raised = await this.db.transaction(async (m) => {
      const found = await sweepSilentTerminals(m, now, this.config.terminalSilentHours, this.config.tzPolicy);
      const fleet = this.fleet ?? (await this.refreshFleet());
      // Locked, so that of two detectors sweeping at once only one gives each finding its case.
      const caseless = rowsOf<{ id: string; vehicle_id: string; start_time: Date }>(
        await m.query(
          `SELECT id, vehicle_id, start_time FROM violations WHERE rule = 'terminal_silent' AND case_id IS NULL
             FOR UPDATE`,
        ),
      );
      for (const v of caseless) {
        await joinCase(m, this.history, {
          violationId: v.id,
          vehicleId: v.vehicle_id,
          rule: 'terminal_silent',
          localDay: localClock(v.start_time.getTime(), this.config.tzPolicy).date,
          plate: fleet.vehicles.get(v.vehicle_id)?.plate ?? v.vehicle_id,
        });
      }
      return found.length;
    });
    findingsRaised.inc({ rule: 'terminal_silent', kind: 'violation' }, raised);
    return raised;
  }

  private kick(): void {
    if (this.draining || this.stopped) return;
    // Begun once the messages already read have been handed over (a flush's positions come as one message per
    // partition, read together): one cycle takes them all instead of the first alone.
    this.draining = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.drain())
      .catch((err: unknown) => this.log.error({ err }, 'detector cycle failed; the next catch-up retries it'))
      .finally(() => {
        this.draining = null;
        if ((this.dirty.size > 0 || this.pending.size > 0) && !this.stopped) this.kick();
      });
  }

  private async drain(): Promise<void> {
    while ((this.dirty.size > 0 || this.pending.size > 0) && !this.stopped) {
      // Fresh hand-off news first: a catch-up that marks the whole fleet (reading a minute of positions per
      // car) must not hold up the findings of positions arriving now. Table reads go on in small slices
      // between fast cycles while news keeps coming, in full batches when it does not.
      if (this.pending.size > 0) {
        const entries = [...this.pending].slice(0, this.options.vehiclesPerCycle);
        for (const [id] of entries) this.pending.delete(id);
        const ids = entries.map(([id]) => id);
        this.backlog.taken(ids);
        try {
          await this.exclusive(() => this.fastCycle(entries));
          this.backlog.settled(ids, (id) => this.dirty.has(id));
        } catch (error) {
          this.backlog.failed(ids);
          for (const [id] of entries) if (this.owns(id)) this.dirty.add(id);
          this.cycleFailed(error, entries.length);
          return;
        }
      }
      if (this.dirty.size === 0 || this.stopped) continue;
      const slice = this.pending.size > 0 ? SLOW_CARS_BETWEEN_FAST_CYCLES : this.options.vehiclesPerCycle;
      const batch = [...this.dirty].slice(0, slice);
      for (const id of batch) {
        this.dirty.delete(id);
        // The table has whatever the hand-off carried for these cars.
        this.pending.delete(id);
      }
      this.backlog.taken(batch);
      try {
        await this.exclusive(() => this.cycle(batch));
        this.backlog.settled(batch, (id) => this.dirty.has(id));
      } catch (error) {
        this.backlog.failed(batch);
        // Put them back for the next catch-up, not in a hot loop.
        this.cycleFailed(error, batch.length);
        return;
      }
    }
  }

  private cycleFailed(error: unknown, vehicles: number): void {
    if (isLeaseLost(error)) {
      this.stats.fenced++;
      // Another detector took a partition of these cars: nothing was written; the leases are looked at now.
      this.log.warn({ vehicles }, 'a partition of these cars is held by another detector now; nothing was written');
      this.leases.checkSoon();
      return;
    }
    this.log.error({ err: error, vehicles }, 'evaluation cycle failed');
  }

  /** One evaluation cycle for a set of cars: read what is new, run the rules, commit everything together. */
  async cycle(vehicleIds: string[]): Promise<void> {
    let fleet = this.fleet;
    // A car registered since the last refresh; hand-off traffic for cars of another database is ignored.
    const mine = vehicleIds.filter((id) => this.owns(id));
    const unknown = !fleet || mine.some((id) => !fleet!.vehicles.has(id));
    if (!fleet || (unknown && Date.now() - this.fleetLoadedAt > 2_000)) fleet = await this.refreshFleet();
    const ids = mine.filter((id) => fleet!.vehicles.has(id));
    if (ids.length === 0) return;
    const began = performance.now();
    const missing = ids.filter((id) => !this.cache.has(id));
    // Cars resumed from their saved state evaluate again what came after it: findings merge by overlap.
    const resumed = new Set<string>();
    if (missing.length > 0) {
      const loaded = await loadStates(this.db, missing);
      const now = Date.now();
      for (const [id, state] of loaded) {
        this.cache.set(id, { ...state, persistedAt: now, progressAt: 0, unsaved: 0, touchedAt: now });
        resumed.add(id);
      }
    }
    const margin = this.options.commitMarginSeconds * 1000;
    const limit = this.options.positionsPerVehicle;
    const plans = new Map<string, Plan>();
    const paged = new Map<string, number>();
    // Cars with more to evaluate than one cycle takes continue in fix-time order from their watermark.
    for (const id of ids) {
      const readAt = this.paging.get(id);
      if (!readAt) continue;
      const stored = this.cache.get(id);
      plans.set(id, {
        base: stored?.state ?? initialVehicleState(),
        positions: null,
        after: stored?.watermark ?? 0,
        replayedFrom: stored ? null : 0,
        readAt,
        merge: true,
      });
      paged.set(id, stored?.watermark ?? 0);
    }
    const reading = ids.filter((id) => !this.paging.has(id));
    const arrived =
      reading.length === 0
        ? []
        : await loadArrived(
            this.db,
            new Map(reading.map((id) => [id, new Date((this.cache.get(id)?.readAt.getTime() ?? margin) - margin)])),
            limit,
          );
    for (const a of arrived) {
      const stored = this.cache.get(a.vehicleId);
      const wm = stored?.watermark ?? null;
      const full = a.positions.length >= limit;
      const readAt = a.readAt;
      const unseen = wm === null ? [] : a.positions.filter((p) => p.t <= wm && !stored!.recent.has(p.t));
      if (unseen.length > 0) {
        // Late data below the watermark: evaluate again from the last snapshot before it.
        const late = unseen[0].t;
        const cp = await loadCheckpoint(this.db, a.vehicleId, late);
        const from = cp?.at ?? 0;
        plans.set(a.vehicleId, {
          base: cp?.state ?? initialVehicleState(),
          positions: null,
          after: from,
          replayedFrom: from,
          readAt,
          merge: true,
        });
        paged.set(a.vehicleId, from);
        this.stats.replays++;
        this.log.info(
          { vehicleId: a.vehicleId, late: new Date(late), from: new Date(from) },
          're-evaluating late data',
        );
        continue;
      }
      const fresh = wm === null ? a.positions : a.positions.filter((p) => p.t > wm);
      if (fresh.length === 0 && !full) {
        if (stored)
          this.cache.set(a.vehicleId, {
            ...stored,
            readAt,
            recent: recentAfter(stored.recent, [], readAt.getTime() - margin),
          });
        continue;
      }
      plans.set(a.vehicleId, {
        base: stored?.state ?? initialVehicleState(),
        positions: full ? null : fresh,
        after: wm ?? 0,
        replayedFrom: stored ? null : 0,
        readAt,
        merge: resumed.has(a.vehicleId),
      });
      if (full) paged.set(a.vehicleId, wm ?? 0);
    }
    if (plans.size === 0) return;
    if (paged.size > 0) {
      const pages = await loadPositions(this.db, paged, limit);
      for (const id of paged.keys()) plans.get(id)!.positions = pages.get(id) ?? [];
    }
    this.stats.phaseMs.read += performance.now() - began;
    await this.execute(fleet, plans);
  }

  /**
   * The fast path: positions the hand-off carried, for cars whose state is in memory and whose positions all lie
   * after their watermark. Anything else (a car not seen yet, late data) goes through the table. A hand-off
   * message that was lost shows up at the next catch-up as late data and is re-evaluated from a snapshot.
   */
  private async fastCycle(entries: [string, LoadedPosition[]][]): Promise<void> {
    const fleet = this.fleet ?? (await this.refreshFleet());
    const plans = new Map<string, Plan>();
    for (const [vehicleId, list] of entries) {
      if (!this.owns(vehicleId)) continue;
      if (!fleet.vehicles.has(vehicleId)) {
        // A car registered since the last refresh goes through the table, which refreshes the fleet.
        if (Date.now() - this.fleetLoadedAt > 2_000) this.dirty.add(vehicleId);
        continue;
      }
      const stored = this.cache.get(vehicleId);
      const wm = stored?.watermark ?? null;
      if (
        !stored ||
        wm === null ||
        this.paging.has(vehicleId) ||
        list.some((p) => p.t <= wm && !stored.recent.has(p.t))
      ) {
        this.dirty.add(vehicleId);
        continue;
      }
      list.sort((a, b) => a.t - b.t);
      const fresh = list.filter((p) => p.t > wm);
      if (fresh.length === 0) continue;
      plans.set(vehicleId, {
        base: stored.state,
        positions: fresh,
        after: wm,
        replayedFrom: null,
        readAt: stored.readAt,
      });
    }
    if (plans.size > 0) await this.execute(fleet, plans);
  }

  private async execute(fleet: Fleet, plans: Map<string, Plan>): Promise<void> {
    const limit = this.options.positionsPerVehicle;
    const margin = this.options.commitMarginSeconds * 1000;
    let minT = Infinity;
    let maxT = -Infinity;
    for (const plan of plans.values()) {
      const list = plan.positions!;
      if (list.length === 0) continue;
      minT = Math.min(minT, list[0].t);
      maxT = Math.max(maxT, list[list.length - 1].t);
    }
    const [orders, cards] =
      minT <= maxT
        ? await this.contextOf([...plans.keys()], minT, maxT)
        : [new Map<string, ApprovedDispatchOrder[]>(), new Map<string, CardEvent[]>()];
    const evaluating = performance.now();
    const writes: VehicleWrite[] = [];
    const progressed: boolean[] = [];
    const again: string[] = [];
    const now = Date.now();
    for (const [vehicleId, plan] of plans) {
      const list = plan.positions!;
      const env = this.envFor(fleet, vehicleId, orders.get(vehicleId) ?? [], cards.get(vehicleId) ?? []);
      const rules = activeRules(env);
      const result = runVehicle(plan.base, list, env, rules);
      this.stats.positions += list.length;
      // A full page: the rest is read in fix-time order next cycle (an arrival-time read would not see it).
      if (list.length >= limit) {
        this.paging.set(vehicleId, plan.readAt);
        again.push(vehicleId);
      } else {
        this.paging.delete(vehicleId);
      }
      const inProgress = currentTrip(result.state, env);
      const stored = this.cache.get(vehicleId);
      const unsaved = (stored?.unsaved ?? 0) + list.length;
      // A checkpoint every so many positions (not every cycle): the bytes of state written stay a few per position.
      const persist =
        plan.replayedFrom !== null ||
        !stored ||
        unsaved >= this.options.checkpointPositions ||
        now - stored.persistedAt >= this.options.statePersistMs;
      const progress =
        persist ||
        result.findings.length > 0 ||
        result.trips.length > 0 ||
        now - stored.progressAt >= this.options.progressMs;
      writes.push({
        vehicleId,
        readAt: plan.readAt,
        recent: recentAfter(stored?.recent, list, plan.readAt.getTime() - margin),
        state: result.state,
        persist,
        replayedFrom: plan.replayedFrom,
        fresh: !stored,
        merge: plan.merge === true || plan.replayedFrom !== null,
        ongoing: progress ? ongoingFindings(result.state, rules) : [],
        findings: result.findings,
        // The trip under way is shown as far as it has got whenever progress is written.
        trips: inProgress && progress ? [...result.trips, inProgress] : result.trips,
      });
      progressed.push(progress);
    }
    const committing = performance.now();
    this.stats.phaseMs.evaluate += committing - evaluating;
    try {
      await this.commit(fleet, writes);
    } catch (error) {
      // What the database did not take is evaluated again from the last state it holds.
      for (const w of writes) this.cache.delete(w.vehicleId);
      throw error;
    }
    writes.forEach((w, i) => {
      const before = this.cache.get(w.vehicleId);
      this.cache.set(w.vehicleId, {
        vehicleId: w.vehicleId,
        watermark: w.state.lastT,
        readAt: w.readAt,
        recent: w.recent,
        state: w.state,
        persistedAt: w.persist ? now : (before?.persistedAt ?? 0),
        progressAt: progressed[i] ? now : (before?.progressAt ?? 0),
        unsaved: w.persist ? 0 : (before?.unsaved ?? 0) + plans.get(w.vehicleId)!.positions!.length,
        touchedAt: now,
      });
    });
    this.stats.phaseMs.commit += performance.now() - committing;
    this.stats.cycles++;
    if (again.length > 0) this.notify(again);
  }

  /**
   * The approved dispatch orders and the driver-card swipes of these cars around [minT, maxT]: both statements in
   * one message on one connection, one round trip.
   */
  private contextOf(
    vehicleIds: string[],
    minT: number,
    maxT: number,
  ): Promise<[Map<string, ApprovedDispatchOrder[]>, Map<string, CardEvent[]>]> {
    return onConnection(this.db, async (client) => {
      const lit = (value: string) => client.escapeLiteral(value);
      const orders = approvedOrdersQuery(new Date(minT - DAY), new Date(maxT + DAY), vehicleIds);
      const cards = cardEventsQuery(vehicleIds, minT, maxT);
      const [o, c] = results(
        await client.query(
          `${inlineParameters(orders.sql, orders.params, lit)}; ${inlineParameters(cards.sql, cards.params, lit)}`,
        ),
      );
      return [ordersByVehicle(o.rows), cardsByVehicle(c.rows)];
    });
  }

  /**
   * Saves the state of the cars (all, or those chosen) with positions evaluated since their last checkpoint: on
   * shutdown, for the cars of partitions let go, for cars gone quiet.
   */
  async persistAll(which: (car: Cached) => boolean = () => true): Promise<void> {
    const cached = [...this.cache.values()].filter((c) => c.unsaved > 0 && which(c) && this.owns(c.vehicleId));
    if (cached.length === 0) return;
    const writes: VehicleWrite[] = cached.map((c) => ({
      vehicleId: c.vehicleId,
      readAt: c.readAt,
      recent: c.recent,
      state: c.state,
      persist: true,
      replayedFrom: null,
      fresh: false,
      merge: false,
      ongoing: [],
      findings: [],
      trips: [],
    }));
    const states = vehicleStateWrites(writes);
    await transactionInOneMessage(this.db, (client) => {
      const fence = this.fence(writes, (value) => client.escapeLiteral(value));
      return `BEGIN; ${fence.sql}; ${states.writes.map(inlineBulk).join('; ')}; COMMIT`;
    });
    this.stats.checkpoints += writes.length;
    this.stats.stateBytes += states.stateBytes;
    const now = Date.now();
    for (const c of cached) {
      c.persistedAt = now;
      c.unsaved = 0;
    }
  }

  /** The statement that proves, inside a commit, that these cars' partitions are still this engine's. */
  private fence(writes: VehicleWrite[], literal?: (value: string) => string): { sql: string; params: unknown[] } {
    const partitions = new Set(writes.map((w) => this.leases.partitionOf(w.vehicleId)));
    for (const p of partitions) {
      if (!this.held.has(p)) throw Object.assign(new Error(`partition ${p} is not held`), { code: LEASE_LOST });
    }
    return this.leases.fence(this.held, partitions, literal);
  }

  private envFor(fleet: Fleet, vehicleId: string, orders: ApprovedDispatchOrder[], cards: CardEvent[] = []): RuleEnv {
    const v = fleet.vehicles.get(vehicleId)!;
    return {
      ctx: {
        fences: fleet.fences,
        calendar: fleet.calendar,
        timeZone: this.config.tzPolicy,
        ordersFor: (_vehicleId, from, to) => orders.filter((o) => o.start <= to && o.end >= from),
        driverAt: (_vehicleId, t) => holderAt(cards, t),
      },
      vehicle: { id: v.id, category: v.category, unitId: v.unitId },
      params: fleet.params,
    };
  }

  private async commit(fleet: Fleet, writes: VehicleWrite[]): Promise<void> {
    const trips = tripWrites(writes.flatMap((w) => w.trips));
    const states = vehicleStateWrites(writes);
    const rest = [...ongoingWrites(writes), ...states.writes];
    // Everything written here is derived from the positions table and written again, identically, by the
    // evaluation that follows a crash; so a crash may lose the last moments of it and the commit need not
    // wait for the disk. (PostgreSQL loses only a suffix of such commits, never one out of order.)
    const asynchronous = 'SET LOCAL synchronous_commit TO off';
    const counted = () => {
      this.stats.checkpoints += writes.filter((w) => w.persist).length;
      this.stats.stateBytes += states.stateBytes;
    };
    if (writes.some((w) => w.findings.length > 0 || (w.replayedFrom !== null && !w.fresh))) {
      if (this.raisesOnlyNew(fleet, writes)) {
        await this.commitNewFindings(fleet, writes, [...trips, ...rest]);
        counted();
        return;
      }
      const raised: FindingEvent['finding'][] = [];
      await this.db.transaction(async (m) => {
        // One message before the findings: the fence first (no take-over of these partitions while this commit
        // runs; one that came before makes it fail), then what needs no answer.
        const fence = this.fence(writes, literal);
        const forgets = writes
          .filter((w) => w.replayedFrom !== null && !w.fresh) // a car evaluated for the first time has nothing to forget
          .map((w) => forgetAfterSql(w.vehicleId, w.replayedFrom!));
        await m.query([fence.sql, asynchronous, ...forgets, ...trips.map(inlineBulk)].join('; '));
        for (const w of writes) {
          for (const event of w.findings) if (await this.raise(m, fleet, event, w.merge)) raised.push(event.finding);
        }
        if (rest.length > 0) await m.query(rest.map(inlineBulk).join('; '));
      });
      countRaised(raised);
      counted();
      return;
    }
    // The usual cycle, with nothing to raise: its bulk writes and the transaction around them go as one
    // message, or nothing at all is sent.
    const all = [...trips, ...rest];
    if (all.length === 0) return;
    await transactionInOneMessage(this.db, (client) => {
      const fence = this.fence(writes, (value) => client.escapeLiteral(value));
      return `BEGIN; ${fence.sql}; ${asynchronous}; ${all.map(inlineBulk).join('; ')}; COMMIT`;
    });
    counted();
  }

  /**
   * Whether the cycle only opens findings on new positions (no replay, nothing to merge, no voice prompt to
   * queue): then commitNewFindings writes it in one message.
   */
  private raisesOnlyNew(fleet: Fleet, writes: VehicleWrite[]): boolean {
    const now = Date.now();
    return writes.every(
      (w) =>
        w.replayedFrom === null &&
        !w.merge &&
        w.findings.every(
          (e) =>
            e.type === 'open' &&
            !(
              e.finding.rule === 'forbidden_venue' &&
              fleet.params.forbiddenVenuePrompt &&
              now - e.finding.end <= PROMPT_FRESH_MS
            ),
        ),
    );
  }

  /**
   * A cycle that opens findings, in one message: it begins, proves the leases, writes each finding with its case
   * and the case's history entry (chained by the database under the history's lock), then the trips, findings
   * under way and states, and commits.
   */
  private async commitNewFindings(fleet: Fleet, writes: VehicleWrite[], after: BulkWrite[]): Promise<void> {
    const events = writes.flatMap((w) => w.findings.map((e) => e.finding));
    const answers = await transactionInOneMessage(this.db, (client) => {
      const lit = (value: string) => client.escapeLiteral(value);
      return [
        'BEGIN',
        this.fence(writes, lit).sql,
        'SET LOCAL synchronous_commit TO off',
        ...events.map((f) =>
          inlineParameters(
            FINDING_WITH_CASE_AND_ENTRY_SQL,
            findingWithCaseValues(f, f.kind === 'violation' ? this.caseOf(fleet, f) : null),
            lit,
          ),
        ),
        ...after.map(inlineBulk),
        'COMMIT',
      ].join('; ');
    });
    // The findings' answers follow BEGIN, the fence and SET LOCAL: a row for each finding raised now.
    const raised = events.filter((_, i) => answers[3 + i].rows.length > 0);
    this.stats.raised += raised.length;
    countRaised(raised);
  }

  /** The local day and the plate a violation's case is filed under. */
  private caseOf(fleet: Fleet, f: FindingEvent['finding']): { localDay: string; plate: string } {
    return {
      localDay: localClock(f.start, this.config.tzPolicy).date,
      plate: fleet.vehicles.get(f.vehicleId)?.plate ?? f.vehicleId,
    };
  }

  /** Returns whether the finding is new (not one raised before). */
  private async raise(m: EntityManager, fleet: Fleet, event: FindingEvent, replayed: boolean): Promise<boolean> {
    const f = event.finding;
    const { localDay, plate } = this.caseOf(fleet, f);
    if (!replayed && event.type === 'open') {
      // The usual case: a finding opened on new positions, raised with its case in one round trip.
      const saved = await insertFindingWithCase(m, f, f.kind === 'violation' ? { localDay, plate } : null);
      if (!saved) return false;
      this.stats.raised++;
      if (f.rule === 'forbidden_venue') {
        await queueVoicePrompt(m, this.history, f, fleet.params.forbiddenVenuePrompt, Date.now());
      }
      if (saved.caseId) {
        await this.history.append(m, {
          entityType: 'case',
          entityId: saved.caseId,
          action: saved.opened ? 'opened' : 'violation_added',
          actor: 'system:detector',
          data: { violationId: saved.id, rule: f.rule, localDay },
        });
      }
      return true;
    }
    const saved = await saveFinding(m, event, replayed);
    if (!saved?.new) return false;
    this.stats.raised++;
    if (f.rule === 'forbidden_venue' && event.type === 'open') {
      await queueVoicePrompt(m, this.history, f, fleet.params.forbiddenVenuePrompt, Date.now());
    }
    if (f.kind !== 'violation') return true;
    await joinCase(m, this.history, { violationId: saved.id, vehicleId: f.vehicleId, rule: f.rule, localDay, plate });
    return true;
  }
}
