import pg from 'pg';
import { HandoffPublisher } from '../../apps/gateway/src/ingest/handoff-publisher.js';
import { driveAndPark, local, seedCar, type SeededCar } from '../detector/detector-fixture.js';
import { waitFor } from '../ingest/support/fleet.js';
import { errorLines } from '../support/service-process.js';
import { accepted, detectorRig } from './detector-rig.js';

const PARTITIONS = 16;
const CARS = 6;
/** Antenna cut (bit 5) raised on these fixes of the drive: two before the kill, two after. */
const ALARM_FIXES = [10, 50, 130, 170];
const KILL_AFTER_ROUND = 100;

/**
 * A detector process killed with SIGKILL between two checkpoints of its cars' state, in the middle of their
 * off-hours drives, after it has raised findings the saved state does not yet know of. The positions keep
 * coming while it is down; restarted, it evaluates again everything after the saved state and every expected
 * finding, case entry and trip exists exactly once.
 *
 * The day is pinned (Thursday 2026-11-19, a working day in the shipped calendar) and judged in Asia/Shanghai.
 */
describe('a detector killed between checkpoints and restarted', () => {
  const rig = detectorRig('detector-restart', PARTITIONS);
  let db: pg.Pool;
  let publisher: HandoffPublisher;
  beforeAll(() => ({ db, publisher } = rig));

  const startDetector = (idleCheckpointSeconds: number) =>
    rig.startDetector({
      // A restarted process is a new owner: it waits for its old leases to run out.
      DETECTOR_LEASE_SECONDS: '2',
      DETECTOR_CHECKPOINT_POSITIONS: '1000',
      DETECTOR_IDLE_CHECKPOINT_SECONDS: String(idleCheckpointSeconds),
    });

  it('raises every finding exactly once after a SIGKILL, resuming from the last checkpoint', async () => {
    const cars: SeededCar[] = [];
    for (let i = 0; i < CARS; i++) cars.push(await seedCar(db));
    const ids = cars.map((c) => c.vehicleId);
    const start = local('2026-11-19 20:00:00');
    // 20:00–20:30 off hours: 181 fixes 10 s apart at 40 km/h with four antenna-cut alarms, then parked; the fix
    // at 21:00 ends the episode.
    const moving = driveAndPark(start, 181, 10, 40).map((f, i) =>
      ALARM_FIXES.includes(i) ? { ...f, alarm: 1 << 5 } : f,
    );
    const drive = [...moving, { ...moving[moving.length - 1], t: local('2026-11-19 21:00:00') }];
    const lastFix = drive[drive.length - 1].t;

    /** One round: every car's next fix, committed as the gateway commits a flush, then handed off. */
    const publishRound = async (r: number) => {
      const receivedAt = Date.now();
      const fix = drive[r];
      await db.query(
        `INSERT INTO positions (terminal_id, fix_time, vehicle_id, received_at, lat, lon, speed_kmh, valid, ignition,
                                alarm_flags, replay)
         SELECT f.terminal_id, to_timestamp($2 / 1000.0), f.vehicle_id, to_timestamp($3 / 1000.0), $4, $5, $6, true,
                $7, $8, false
           FROM jsonb_to_recordset($1::jsonb) AS f(terminal_id text, vehicle_id uuid)`,
        [
          JSON.stringify(cars.map((c) => ({ terminal_id: c.terminalId, vehicle_id: c.vehicleId }))),
          fix.t,
          receivedAt,
          fix.lat,
          fix.lon,
          fix.speed,
          fix.ignition ?? fix.speed > 0,
          fix.alarm ?? 0,
        ],
      );
      publisher.publish(cars.map((car) => accepted(car, fix, receivedAt)));
    };
    const findings = () =>
      db
        .query<{ vehicle_id: string; rule: string; start_time: Date; end_time: Date; positions: number }>(
          `SELECT vehicle_id, rule, start_time, end_time, (evidence->>'positions')::int AS positions FROM violations
            WHERE vehicle_id = ANY($1) ORDER BY vehicle_id, rule, start_time`,
          [ids],
        )
        .then((r) => r.rows);
    const savedStates = () =>
      db
        .query<{ vehicle_id: string; watermark: Date }>(
          'SELECT vehicle_id, watermark FROM detector_vehicle_state WHERE vehicle_id = ANY($1)',
          [ids],
        )
        .then((r) => r.rows);

    // No checkpoint when a car goes quiet: the kill must fall between two checkpoints.
    const first = startDetector(0);
    await first.waitFor(/"msg":"took partitions"/);
    for (let r = 0; r < KILL_AFTER_ROUND; r++) {
      await publishRound(r);
      await sleep(20);
    }
    // Off hours and the first two alarms raised for every car: 3 findings each.
    const beforeKill = await waitFor(findings, (rows) => rows.length === 3 * CARS, 30_000);
    expect(beforeKill).toHaveLength(3 * CARS);
    // The saved state lags behind those findings: it is the one of each car's first evaluation.
    const saved = await savedStates();
    expect(saved).toHaveLength(CARS);
    const latestFinding = Math.max(...beforeKill.map((f) => f.start_time.getTime()));
    for (const s of saved) expect(s.watermark.getTime()).toBeLessThan(latestFinding);

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    // The rest of the drive arrives while no detector runs: in the table, handed off to nobody.
    for (let r = KILL_AFTER_ROUND; r < drive.length; r++) await publishRound(r);

    // Restarted, with checkpoints when cars go quiet, so its progress shows in the saved state.
    const second = startDetector(1);
    const done = await waitFor(
      savedStates,
      (rows) => rows.length === CARS && rows.every((s) => s.watermark.getTime() === lastFix),
      60_000,
    );
    expect(done.map((s) => s.watermark.getTime())).toEqual(cars.map(() => lastFix));

    // Per car: one off-hours episode over the whole drive, whoever evaluated which part, each fix counted
    // once; the four alarms each once.
    const found = await findings();
    const alarmTimes = ALARM_FIXES.map((i) => drive[i].t);
    for (const car of cars) {
      const mine = found.filter((f) => f.vehicle_id === car.vehicleId);
      expect(
        mine
          .filter((f) => f.rule === 'off_hours')
          .map((f) => [f.start_time.getTime(), f.end_time.getTime(), f.positions]),
      ).toEqual([[start, local('2026-11-19 20:30:00'), 181]]);
      expect(mine.filter((f) => f.rule === 'terminal_tampering').map((f) => f.start_time.getTime())).toEqual(
        alarmTimes,
      );
      expect(mine).toHaveLength(1 + ALARM_FIXES.length);
    }
    // Each car's off-hours finding opened a case, its first alarm another that the later alarms joined; no
    // finding raised again was joined to a case a second time.
    const { rows: history } = await db.query<{ action: string; n: number }>(
      `SELECT h.action, count(*)::int AS n FROM history h JOIN cases c ON h.entity_type = 'case' AND h.entity_id = c.id::text
        WHERE c.vehicle_id = ANY($1) GROUP BY h.action ORDER BY h.action`,
      [ids],
    );
    expect(history).toEqual([
      { action: 'opened', n: 2 * CARS },
      { action: 'violation_added', n: (ALARM_FIXES.length - 1) * CARS },
    ]);
    const { rows: trips } = await db.query<{ vehicle_id: string; start_time: Date }>(
      'SELECT vehicle_id, start_time FROM trips WHERE vehicle_id = ANY($1)',
      [ids],
    );
    expect(trips.map((t) => t.start_time.getTime())).toEqual(cars.map(() => start));

    expect(errorLines(first.output())).toEqual([]);
    expect(errorLines(second.output())).toEqual([]);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 180_000);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
