import pg from 'pg';
import { handoffPartition } from '#app/handoff';
import { HandoffPublisher } from '../../apps/gateway/src/ingest/handoff-publisher.js';
import {
  driveAndPark,
  local,
  ORIGIN,
  seedCar,
  seedFence,
  squareAround,
  standAt,
  type SeededCar,
} from '../detector/detector-fixture.js';
import { waitFor } from '../ingest/support/fleet.js';
import { errorLines, type ServiceProcess } from '../support/service-process.js';
import { accepted, detectorRig } from './detector-rig.js';

const PARTITIONS = 16;
const LEASE_SECONDS = 3;
const CARS = 32;
/** 10 km east of the district's centre the district ends (the jurisdiction fence is a square of 20 km). */
const DISTRICT_HALF_M = 10_000;

interface Lease {
  partition: number;
  owner: string | null;
  live: boolean;
  taken_at: Date | null;
}

/**
 * Two detector processes share the cars by partition leases. Positions reach them as from the gateway (committed
 * to the positions table, then handed off on the partition's topic of a real Mosquitto). One detector is killed
 * with SIGKILL in the middle of an off-hours drive, and positions keep coming while nobody holds its partitions:
 * the other takes them over once the leases run out, and every expected finding is raised exactly once.
 *
 * The day is pinned (Thursday 2026-11-19, a working day in the shipped calendar) and judged in Asia/Shanghai.
 */
describe('two detector processes, one killed mid-stream', () => {
  const rig = detectorRig('two-detectors', PARTITIONS);
  const detectors = rig.detectors;
  let db: pg.Pool;
  let publisher: HandoffPublisher;
  beforeAll(() => ({ db, publisher } = rig));

  const startDetector = () => rig.startDetector({ DETECTOR_LEASE_SECONDS: String(LEASE_SECONDS) });

  const leases = () =>
    db
      .query<Lease>(
        `SELECT partition, owner, expires_at > now() AS live, taken_at FROM detector_leases ORDER BY partition`,
      )
      .then((r) => r.rows);
  const ownerOf = (detector: ServiceProcess, all: Lease[]) =>
    all.filter((l) => l.live && l.owner?.split(':')[1] === String(detector.child.pid));

  it('raises every expected finding exactly once across the hand-over, and misses none', async () => {
    await seedFence(db, 'District', 'jurisdiction', squareAround(ORIGIN, DISTRICT_HALF_M));
    const cars: SeededCar[] = [];
    for (let i = 0; i < CARS; i++) cars.push(await seedCar(db));
    // Even cars leave the district in working time (10:00, from 8 km east at 60 km/h); odd cars stand at home.
    // In the evening every car drives for ten minutes (off hours), then parks; the last fix, at 21:00, is in a
    // new hour, so the detector writes each car's state with it.
    const leaves = (i: number) => i % 2 === 0;
    const plan = cars.map((_, i) => {
      const morning = leaves(i)
        ? driveAndPark(local('2026-11-19 10:00:00'), 61, 10, 60, 8_000)
        : standAt(local('2026-11-19 10:00:00'), 62, 10, ORIGIN);
      const eveningFrom = leaves(i) ? 18_000 : 0;
      const evening = driveAndPark(local('2026-11-19 20:00:00'), 61, 10, 40, eveningFrom);
      const parked = evening[evening.length - 1];
      return [...morning, ...evening, { ...parked, t: local('2026-11-19 21:00:00') }];
    });
    const rounds = plan[0].length;
    expect(plan.every((fixes) => fixes.length === rounds)).toBe(true);
    const lastFix = local('2026-11-19 21:00:00');

    /** One round: every car's next fix, committed as the gateway commits a flush, then handed off. */
    const publishRound = async (r: number) => {
      const receivedAt = Date.now();
      const batch = cars.map((car, i) => ({ car, fix: plan[i][r] }));
      await db.query(
        `INSERT INTO positions (terminal_id, fix_time, vehicle_id, received_at, lat, lon, speed_kmh, valid, ignition,
                                alarm_flags, replay)
         SELECT f.terminal_id, to_timestamp(f.t / 1000.0), f.vehicle_id, to_timestamp($2 / 1000.0), f.lat, f.lon,
                f.speed, true, f.ignition, 0, false
           FROM jsonb_to_recordset($1::jsonb) AS f(terminal_id text, vehicle_id uuid, t bigint, lat float8,
                                                   lon float8, speed real, ignition boolean)`,
        [
          JSON.stringify(
            batch.map(({ car, fix }) => ({
              terminal_id: car.terminalId,
              vehicle_id: car.vehicleId,
              t: fix.t,
              lat: fix.lat,
              lon: fix.lon,
              speed: fix.speed,
              ignition: fix.ignition ?? fix.speed > 0,
            })),
          ),
          receivedAt,
        ],
      );
      publisher.publish(batch.map(({ car, fix }) => accepted(car, fix, receivedAt)));
    };

    // Both detectors up, each holding half the partitions.
    startDetector();
    startDetector();
    const [victim, survivor] = detectors;
    const split = await waitFor(
      leases,
      (all) => ownerOf(victim, all).length === PARTITIONS / 2 && ownerOf(survivor, all).length === PARTITIONS / 2,
      60_000,
    );
    expect([ownerOf(victim, split).length, ownerOf(survivor, split).length]).toEqual([PARTITIONS / 2, PARTITIONS / 2]);
    const victimPartitions = new Set(ownerOf(victim, split).map((l) => l.partition));
    const partitionOf = (car: SeededCar) => handoffPartition(car.vehicleId, PARTITIONS);
    const victimCars = cars.filter((c) => victimPartitions.has(partitionOf(c)));
    expect(victimCars.length).toBeGreaterThan(0);
    expect(victimCars.length).toBeLessThan(CARS);

    // The morning and the first two minutes of the evening drive, at the pace of a live fleet sped up.
    const eveningStart = plan[0].findIndex((f) => f.t === local('2026-11-19 20:00:00'));
    const killAt = eveningStart + 12;
    for (let r = 0; r < killAt; r++) {
      await publishRound(r);
      await sleep(40);
    }
    // The victim has raised off-hours findings of its own cars: it is in the middle of their episodes.
    const victimIds = victimCars.map((c) => c.vehicleId);
    const beforeKill = await waitFor(
      () =>
        countOf(db, `SELECT count(*) FROM violations WHERE rule = 'off_hours' AND vehicle_id = ANY($1)`, [victimIds]),
      (n) => n > 0,
      30_000,
    );
    expect(beforeKill).toBeGreaterThan(0);

    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');

    // Positions keep coming. Those published now are handed off to nobody: the victim's leases still stand (they
    // run out a lease time after its last renewal), and no one else subscribes to their topics.
    const orphaned = killAt + 20;
    for (let r = killAt; r < orphaned; r++) await publishRound(r);
    const orphanedAt = Date.now();

    // The survivor takes every partition over, once the leases have run out.
    const after = await waitFor(leases, (all) => ownerOf(survivor, all).length === PARTITIONS, 60_000);
    expect(ownerOf(survivor, after).length).toBe(PARTITIONS);
    for (const l of after.filter((x) => victimPartitions.has(x.partition))) {
      expect(l.taken_at!.getTime()).toBeGreaterThan(orphanedAt);
    }
    // The rest of the evening reaches the survivor by the hand-off as well.
    for (let r = orphaned; r < rounds; r++) {
      await publishRound(r);
      await sleep(40);
    }

    // Every car evaluated up to its last fix.
    const watermarks = () =>
      db
        .query<{ vehicle_id: string; watermark: Date }>(
          'SELECT vehicle_id, watermark FROM detector_vehicle_state WHERE vehicle_id = ANY($1)',
          [cars.map((c) => c.vehicleId)],
        )
        .then((r) => r.rows);
    const done = await waitFor(
      watermarks,
      (rows) => rows.length === CARS && rows.every((w) => w.watermark.getTime() === lastFix),
      60_000,
    );
    expect(done.filter((w) => w.watermark.getTime() === lastFix)).toHaveLength(CARS);

    // Every car's findings, exactly: off hours in the evening, and leaving the district for the even cars.
    const { rows: found } = await db.query<{
      vehicle_id: string;
      rule: string;
      start_time: Date;
      end_time: Date;
      positions: number;
      case_id: string | null;
    }>(
      `SELECT vehicle_id, rule, start_time, end_time, (evidence->>'positions')::int AS positions, case_id FROM violations
        WHERE vehicle_id = ANY($1) ORDER BY vehicle_id, start_time`,
      [cars.map((c) => c.vehicleId)],
    );
    const rulesOf = (car: SeededCar) =>
      found
        .filter((f) => f.vehicle_id === car.vehicleId)
        .map((f) => f.rule)
        .sort();
    expect(cars.map(rulesOf)).toEqual(
      cars.map((_, i) => (leaves(i) ? ['leaving_jurisdiction', 'off_hours'] : ['off_hours'])),
    );
    for (const f of found.filter((x) => x.rule === 'off_hours')) {
      // One episode, from the first fix to the last moving one, whoever evaluated which part of it; the 61 fixes
      // of the drive each counted once, those nobody was subscribed to included.
      expect([f.start_time.getTime(), f.end_time.getTime(), f.positions]).toEqual([
        local('2026-11-19 20:00:00'),
        local('2026-11-19 20:10:00'),
        61,
      ]);
    }
    for (const f of found.filter((x) => x.rule === 'leaving_jurisdiction')) {
      expect(f.start_time.getTime()).toBeGreaterThan(local('2026-11-19 10:00:00'));
      expect(f.start_time.getTime()).toBeLessThan(local('2026-11-19 10:10:00'));
    }
    // Each finding opened its own case once: nothing was raised a second time and joined to it.
    expect(found.every((f) => f.case_id !== null)).toBe(true);
    const { rows: history } = await db.query<{ action: string; n: number }>(
      `SELECT action, count(*)::int AS n FROM history WHERE entity_type = 'case' AND entity_id = ANY($1::text[])
        GROUP BY action`,
      [found.map((f) => f.case_id)],
    );
    expect(history).toEqual([{ action: 'opened', n: found.length }]);
    // And the trips derived from the positions: the even cars' two drives, the odd cars' one, each once.
    const { rows: trips } = await db.query<{ vehicle_id: string; n: number }>(
      'SELECT vehicle_id, count(*)::int AS n FROM trips WHERE vehicle_id = ANY($1) GROUP BY vehicle_id',
      [cars.map((c) => c.vehicleId)],
    );
    const tripsOf = new Map(trips.map((t) => [t.vehicle_id, t.n]));
    expect(cars.map((c) => tripsOf.get(c.vehicleId) ?? 0)).toEqual(cars.map((_, i) => (leaves(i) ? 2 : 1)));

    expect(survivor.output()).toMatch(/"msg":"took partitions"/);
    expect(errorLines(survivor.output())).toEqual([]);

    // A clean stop saves the state and hands the partitions back at once.
    survivor.child.kill('SIGTERM');
    expect((await survivor.exited).code).toBe(0);
    expect((await leases()).filter((l) => l.live || l.owner !== null)).toEqual([]);
  }, 240_000);
});

async function countOf(db: pg.Pool, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await db.query<{ count: string }>(sql, params);
  return Number(rows[0].count);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
