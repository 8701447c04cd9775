import type { INestMicroservice } from '@nestjs/common';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { handoffTopic, localHandoffFor, type HandoffPosition, type HandoffRow } from '#app/handoff';
import { chainEntries, chainInsert, GENESIS_HASH, HISTORY_LOCK, HistoryService, type HistoryEntry } from '#app/history';
import { createDetectorApp } from '../../apps/detector/src/detector.app.js';
import { DetectionEngine } from '../../apps/detector/src/detection/detection.engine.js';
import { PartitionLeases } from '../../apps/detector/src/partitions/partition-leases.js';
import { waitFor } from '../ingest/support/fleet.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import {
  asHandoff,
  local,
  ORIGIN,
  seedCar,
  standAt,
  storePositions,
  type Fix,
  type SeededCar,
} from './detector-fixture.js';

/** The antenna-cut alarm bit: rising, it opens a terminal_tampering violation at once. */
const ANTENNA_CUT = 1 << 5;

/**
 * A finding raised on positions the hand-off carries, for a car already followed, is written in one message: the
 * finding with its case and the case's history entry, which the database chains on the head it reads after taking
 * the history's lock. These tests hold that lock elsewhere while the detector writes, so a head read too early
 * would fork the chain; and the chain is checked entry by entry with the hash the service computes.
 */
describe('detector: new findings written in one message', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let detector: INestMicroservice | null = null;

  async function startDetector(): Promise<DetectionEngine> {
    const cfg = testConfig(database.url);
    detector = await createDetectorApp(cfg, testInfrastructure(cfg), {
      catchUpMs: 0,
      silentSweepMs: 0,
      contextRefreshMs: 0,
    });
    await detector.listen();
    return detector.get(DetectionEngine);
  }

  const handoff = (car: SeededCar, fixes: Fix[]) => fixes.map((f) => asHandoff(car, f));

  /** A car parked on `day` from 10:00 in working hours, stored, and a detector that follows it from there. */
  async function followParkedCar(day: string): Promise<{ car: SeededCar; parked: Fix[]; engine: DetectionEngine }> {
    const car = await seedCar(db);
    const parked = standAt(local(`${day} 10:00:00`), 3, 30, ORIGIN);
    await storePositions(db, car, parked);
    const engine = await startDetector();
    await engine.catchUp();
    return { car, parked, engine };
  }

  /** Checks the whole chain with the service's own verification; returns how many entries it holds. */
  async function chainHolds(): Promise<number> {
    const rows = (sql: string, params?: unknown[]) => db.query(sql, params).then((r) => r.rows);
    const verified = await new HistoryService({ query: rows } as unknown as DataSource).verify();
    expect(verified).toMatchObject({ ok: true });
    return verified.entries;
  }

  /** Appends an entry in a transaction left open, holding the history's lock until `commit` is called. */
  async function holdHistoryLock(entry: HistoryEntry): Promise<{ commit(): Promise<void> }> {
    const client = await db.connect();
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [HISTORY_LOCK]);
    const head = await client.query<{ hash: string }>('SELECT hash FROM history ORDER BY seq DESC LIMIT 1');
    const { sql, params } = chainInsert(chainEntries(head.rows[0]?.hash ?? GENESIS_HASH, new Date(), [entry]));
    await client.query(sql, params);
    return {
      async commit() {
        await client.query('COMMIT');
        client.release();
      },
    };
  }

  /** Resolves once some backend waits for the history's lock (at most 30 s). */
  async function someoneWaitsForTheLock(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const { rows } = await db.query(
        `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1`,
        [HISTORY_LOCK],
      );
      if (rows.length > 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the detector never waited for the history lock');
  }

  const caseHistory = async (caseId: string) =>
    (
      await db.query<{ action: string; data: Record<string, unknown> }>(
        `SELECT action, data FROM history WHERE entity_type = 'case' AND entity_id = $1 ORDER BY seq`,
        [caseId],
      )
    ).rows;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 4 });
  });
  afterEach(async () => {
    await detector?.close();
    detector = null;
  });
  afterAll(async () => {
    await db.end();
    await database.drop();
  });

  it('chains the case entry on the head committed while it waited for the lock, and opens then joins the case', async () => {
    // Thursday 2026-11-19, parked in working hours: the detector follows the car from here.
    const { car, parked, engine } = await followParkedCar('2026-11-19');
    const raisedBefore = engine.stats.raised;

    // Someone else appends to the history and holds its lock while the hand-off brings the alarm.
    const other = await holdHistoryLock({
      entityType: 'dispatch_order',
      entityId: '00000000-0000-4000-8000-000000000001',
      action: 'requested',
      actor: 'clerk',
      data: { note: 'written meanwhile' },
    });
    const cut = [{ ...parked[2], t: local('2026-11-19 10:02:00'), alarm: ANTENNA_CUT }];
    await storePositions(db, car, cut);
    engine.handoff(handoff(car, cut));
    await someoneWaitsForTheLock();
    await other.commit();
    await engine.idle();

    const first = await db.query<{ id: string; case_id: string | null }>(
      `SELECT id, case_id FROM violations WHERE vehicle_id = $1 AND rule = 'terminal_tampering'`,
      [car.vehicleId],
    );
    expect(first.rows).toHaveLength(1);
    const caseId = first.rows[0].case_id!;
    expect(caseId).not.toBeNull();
    expect(await caseHistory(caseId)).toEqual([
      { action: 'opened', data: { violationId: first.rows[0].id, rule: 'terminal_tampering', localDay: '2026-11-19' } },
    ]);
    expect(engine.stats.raised).toBe(raisedBefore + 1);
    expect(await chainHolds()).toBe(2);

    // The alarm clears, then rises again the same day: a second violation joins the open case.
    const clear = [{ ...parked[2], t: local('2026-11-19 10:03:00') }];
    const again = [{ ...parked[2], t: local('2026-11-19 10:04:00'), alarm: ANTENNA_CUT }];
    await storePositions(db, car, [...clear, ...again]);
    engine.handoff(handoff(car, clear));
    await engine.idle();
    engine.handoff(handoff(car, again));
    await engine.idle();
    const both = await db.query<{ id: string; case_id: string }>(
      `SELECT id, case_id FROM violations WHERE vehicle_id = $1 AND rule = 'terminal_tampering' ORDER BY start_time`,
      [car.vehicleId],
    );
    expect(both.rows.map((r) => r.case_id)).toEqual([caseId, caseId]);
    expect((await caseHistory(caseId)).map((e) => [e.action, e.data.violationId])).toEqual([
      ['opened', both.rows[0].id],
      ['violation_added', both.rows[1].id],
    ]);
    expect(await chainHolds()).toBe(3);

    // The same positions handed off again raise nothing.
    engine.handoff(handoff(car, again));
    await engine.idle();
    expect((await db.query(`SELECT 1 FROM violations WHERE vehicle_id = $1`, [car.vehicleId])).rows).toHaveLength(2);
    expect(await chainHolds()).toBe(3);
  });

  it('writes nothing of a cycle whose partition another detector took, and raises the finding once on taking it back', async () => {
    const { car, parked, engine } = await followParkedCar('2026-11-20');
    const leases = detector!.get(PartitionLeases);
    const partition = leases.partitionOf(car.vehicleId);
    const historyBefore = await chainHolds();
    await db.query(
      `UPDATE detector_leases SET owner = 'another-detector', token = nextval('detector_lease_tokens'),
              expires_at = now() + interval '10 minutes' WHERE partition = $1`,
      [partition],
    );
    const cut = [{ ...parked[2], t: local('2026-11-20 10:02:00'), alarm: ANTENNA_CUT }];
    await storePositions(db, car, cut);
    const fencedBefore = engine.stats.fenced;
    engine.handoff(handoff(car, cut));
    await engine.idle();
    expect(engine.stats.fenced).toBeGreaterThan(fencedBefore);
    expect((await db.query(`SELECT 1 FROM violations WHERE vehicle_id = $1`, [car.vehicleId])).rows).toEqual([]);
    expect((await db.query(`SELECT 1 FROM cases WHERE vehicle_id = $1`, [car.vehicleId])).rows).toEqual([]);
    expect(await chainHolds()).toBe(historyBefore);

    await waitFor(
      async () => leases.heldPartitions(),
      (held) => !held.includes(partition),
    );
    await db.query(`UPDATE detector_leases SET owner = NULL, expires_at = '-infinity' WHERE partition = $1`, [
      partition,
    ]);
    leases.checkSoon();
    const found = await waitFor(
      async () =>
        (
          await db.query<{ rule: string; case_id: string | null }>(
            `SELECT rule, case_id FROM violations WHERE vehicle_id = $1`,
            [car.vehicleId],
          )
        ).rows,
      (rows) => rows.length > 0,
    );
    expect(found.map((v) => v.rule)).toEqual(['terminal_tampering']);
    expect(await caseHistory(found[0].case_id!)).toHaveLength(1);
    expect(await chainHolds()).toBe(historyBefore + 1);
  });

  it('moves their last read on without reading positions, and still finds what a lost message carried', async () => {
    const car = await seedCar(db);
    const engine = await startDetector();
    const parked = standAt(local('2026-11-19 10:00:00'), 3, 30, ORIGIN);
    await storePositions(db, car, parked);
    await engine.catchUp();
    const readAt = () =>
      (engine as unknown as { cache: Map<string, { readAt: Date }> }).cache.get(car.vehicleId)!.readAt;
    const firstRead = readAt();
    // Everything stored is handed off: the catch-up finds nothing missing and moves the read on.
    const more = standAt(local('2026-11-19 10:02:00'), 3, 30, ORIGIN);
    await storePositions(db, car, more);
    engine.handoff(handoff(car, more));
    await engine.idle();
    expect(readAt()).toBe(firstRead);
    await engine.catchUp();
    expect(readAt().getTime()).toBeGreaterThan(firstRead.getTime());
    expect(await db.query('SELECT 1 FROM violations WHERE vehicle_id = $1', [car.vehicleId])).toMatchObject({
      rows: [],
    });

    // A message lost: its positions (an antenna cut among them) are found by the next catch-up.
    const secondRead = readAt();
    const lost = [{ ...more[2], t: local('2026-11-19 10:04:00'), alarm: ANTENNA_CUT }];
    await storePositions(db, car, lost);
    await engine.catchUp();
    const found = await db.query<{ rule: string }>('SELECT rule FROM violations WHERE vehicle_id = $1', [
      car.vehicleId,
    ]);
    expect(found.rows.map((r) => r.rule)).toEqual(['terminal_tampering']);
    expect(readAt().getTime()).toBeGreaterThan(secondRead.getTime());
  });

  it('takes the positions a gateway of its own process hands over directly, while it follows their partition', async () => {
    const { car, parked, engine } = await followParkedCar('2026-11-19');
    const partition = detector!.get(PartitionLeases).partitionOf(car.vehicleId);
    const sink = localHandoffFor(partition);
    expect(sink).toBeDefined();
    const cut = [{ ...parked[2], t: local('2026-11-19 10:03:00'), alarm: ANTENNA_CUT }];
    await storePositions(db, car, cut);
    const row = (h: HandoffPosition): HandoffRow => [
      h.vehicleId,
      h.terminalId,
      h.fixTime,
      h.receivedAt,
      h.lat,
      h.lon,
      h.speedKmh,
      h.headingDeg,
      h.valid,
      h.ignition,
      h.alarmFlags,
      h.statusFlags,
      h.odometerKm,
      h.replay,
    ];
    sink!.take(handoffTopic(partition), { rows: handoff(car, cut).map(row) });
    await engine.idle();
    const { rows } = await db.query(`SELECT rule FROM violations WHERE vehicle_id = $1`, [car.vehicleId]);
    expect(rows).toEqual([{ rule: 'terminal_tampering' }]);
    // Stopped: a gateway of this process sends over the broker again.
    await detector!.close();
    detector = null;
    expect(localHandoffFor(partition)).toBeUndefined();
  });
});
