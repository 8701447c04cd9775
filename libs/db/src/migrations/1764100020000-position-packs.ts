import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Positions at under 100 bytes each on plain PostgreSQL (a wide row per fix cost 313: a 24-byte tuple header,
 * doubles and bigints for values that fit two or four bytes, two index entries of ~73 bytes).
 *
 * - `position_rows`: the recent fixes, one narrow row each (coordinates in micro-degrees, speed and HDOP in
 *   tenths, odometer in hundreds of metres, altitude in metres, the 32-bit alarm and status words stored as
 *   signed integers; every value the decoders accept fits: HDOP comes as a 32-bit count of tenths). The gateway
 *   writes here.
 * - `position_packs`: older fixes, one row per terminal, hour (UTC-aligned) and car, the values as parallel
 *   arrays that PostgreSQL compresses and moves out of line (TOAST). `positions_pack()` moves closed hours
 *   here, merging late fixes into an existing pack and dropping duplicates.
 * - `positions`: a view of both with the old column names and types, so every reader keeps its SQL. Inserting
 *   into it (tests, demo loaders, restores) goes through a trigger that stores a fix once: a fix already
 *   stored, in a row or a pack, is skipped (the statement reports it as not inserted).
 * - `positions_of_vehicle()`, `positions_of_terminal()`, `positions_between()`: the view for a time range
 *   with the packs pruned by hour (the planner cannot derive an hour bound from a fix-time predicate over an
 *   unnested array); the hot readers use these.
 *
 * Exactly once with packs: a writer that may hold a fix of a packed hour takes the shared advisory lock
 * POSITIONS_PACK_LOCK for its transaction and drops the fixes `position_packed()` finds; the packer takes it
 * exclusively, so either the packer sees the writer's rows or the writer sees the packer's packs.
 *
 * On TimescaleDB `position_rows` is the hypertable (compressed by segment of terminal, ordered by fix time) and
 * nothing is packed: the extension's compression does better than the packs.
 */
export class PositionPacks1764100020000 implements MigrationInterface {
  name = 'PositionPacks1764100020000';

  async up(q: QueryRunner): Promise<void> {
    const timescale = await positionsHypertable(q);
    const policies = timescale ? await policyAges(q, 'positions') : null;
    await q.query(`
      CREATE TABLE position_rows (
        fix_time timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        seq bigint,
        vehicle_id uuid,
        lat_e6 integer NOT NULL,
        lon_e6 integer NOT NULL,
        alarm_flags integer,
        status_flags integer,
        altitude_m integer,
        hdop_d bigint,
        odometer_hm bigint,
        speed_dkmh smallint,
        heading_deg smallint,
        satellites smallint,
        valid boolean NOT NULL DEFAULT true,
        ignition boolean,
        replay boolean NOT NULL DEFAULT false,
        terminal_id text NOT NULL,
        extra jsonb,
        PRIMARY KEY (terminal_id, fix_time)
      )`);
    await q.query(`CREATE INDEX position_rows_vehicle_time ON position_rows (vehicle_id, fix_time DESC)`);
    // The detector's late-arrivals lookup (see 1764100007000): its SQL repeats this predicate word for word.
    await q.query(
      `CREATE INDEX position_rows_late_received ON position_rows (vehicle_id, received_at)
        WHERE received_at - fix_time > interval '1 minute'`,
    );
    await q.query(`
      CREATE TABLE position_packs (
        hour timestamptz NOT NULL,
        received_max timestamptz NOT NULL,
        vehicle_id uuid,
        terminal_id text NOT NULL,
        fix_us bigint[] NOT NULL,
        received_us bigint[] NOT NULL,
        lat_e6 integer[] NOT NULL,
        lon_e6 integer[] NOT NULL,
        speed_dkmh smallint[] NOT NULL,
        heading_deg smallint[] NOT NULL,
        altitude_m integer[] NOT NULL,
        satellites smallint[] NOT NULL,
        hdop_d bigint[] NOT NULL,
        alarm_flags integer[] NOT NULL,
        status_flags integer[] NOT NULL,
        odometer_hm bigint[] NOT NULL,
        seq bigint[] NOT NULL,
        valid boolean[] NOT NULL,
        ignition boolean[] NOT NULL,
        replay boolean[] NOT NULL,
        extra jsonb[]
      )`);
    await q.query(
      `CREATE UNIQUE INDEX position_packs_key ON position_packs (terminal_id, hour, vehicle_id) NULLS NOT DISTINCT`,
    );
    await q.query(`CREATE INDEX position_packs_vehicle_hour ON position_packs (vehicle_id, hour)`);
    await q.query(`CREATE INDEX position_packs_vehicle_received ON position_packs (vehicle_id, received_max)`);
    await q.query(`CREATE INDEX position_packs_hour ON position_packs (hour)`);

    await q.query(`
      INSERT INTO position_rows (terminal_id, fix_time, vehicle_id, received_at, lat_e6, lon_e6, speed_dkmh,
        heading_deg, altitude_m, satellites, hdop_d, valid, ignition, alarm_flags, status_flags, odometer_hm, seq,
        replay, extra)
      SELECT terminal_id, fix_time, vehicle_id, received_at, ${encode('')}
        FROM positions`);
    if (timescale) {
      await q.query(`SELECT remove_retention_policy('positions', if_exists => true)`);
      await q.query(`SELECT remove_compression_policy('positions', if_exists => true)`);
    }
    await q.query(`DROP TABLE positions`);
    for (const statement of VIEW_AND_FUNCTIONS) await q.query(statement);
    if (timescale) {
      await q.query(
        `SELECT create_hypertable('position_rows', 'fix_time', chunk_time_interval => INTERVAL '1 day', migrate_data => true)`,
      );
      await q.query(`
        ALTER TABLE position_rows SET (
          timescaledb.compress,
          timescaledb.compress_segmentby = 'terminal_id',
          timescaledb.compress_orderby = 'fix_time DESC'
        )`);
      await addPolicies(q, 'position_rows', policies!);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const timescale = await hypertable(q, 'position_rows');
    const policies = timescale ? await policyAges(q, 'position_rows') : null;
    await q.query(`
      CREATE TABLE positions_wide (
        terminal_id text NOT NULL,
        fix_time timestamptz NOT NULL,
        vehicle_id uuid,
        received_at timestamptz NOT NULL DEFAULT now(),
        lat double precision NOT NULL,
        lon double precision NOT NULL,
        speed_kmh real,
        heading_deg smallint,
        altitude_m real,
        satellites smallint,
        hdop real,
        valid boolean NOT NULL DEFAULT true,
        ignition boolean,
        alarm_flags bigint,
        status_flags bigint,
        odometer_km double precision,
        seq bigint,
        replay boolean NOT NULL DEFAULT false,
        extra jsonb,
        PRIMARY KEY (terminal_id, fix_time)
      )`);
    await q.query(`INSERT INTO positions_wide SELECT * FROM positions`);
    if (timescale) {
      await q.query(`SELECT remove_retention_policy('position_rows', if_exists => true)`);
      await q.query(`SELECT remove_compression_policy('position_rows', if_exists => true)`);
    }
    await q.query(`DROP VIEW positions CASCADE`);
    for (const f of DROPPED_FUNCTIONS) await q.query(`DROP FUNCTION IF EXISTS ${f}`);
    await q.query(`DROP TABLE position_packs`);
    await q.query(`DROP TABLE position_rows`);
    await q.query(`ALTER TABLE positions_wide RENAME TO positions`);
    await q.query(`ALTER INDEX positions_wide_pkey RENAME TO positions_pkey`);
    await q.query(`CREATE INDEX positions_vehicle_time ON positions (vehicle_id, fix_time DESC)`);
    await q.query(
      `CREATE INDEX positions_late_received ON positions (vehicle_id, received_at)
        WHERE received_at - fix_time > interval '1 minute'`,
    );
    if (timescale) {
      await q.query(
        `SELECT create_hypertable('positions', 'fix_time', chunk_time_interval => INTERVAL '1 day', migrate_data => true)`,
      );
      await q.query(`
        ALTER TABLE positions SET (
          timescaledb.compress,
          timescaledb.compress_segmentby = 'terminal_id',
          timescaledb.compress_orderby = 'fix_time DESC'
        )`);
      await addPolicies(q, 'positions', policies!);
    }
  }
}

/** The advisory lock key that orders packing against writers of possibly packed fixes. */
export const POSITIONS_PACK_LOCK = 7_340_020;

/** The wide values (as `positions` has them) into the narrow units, in position_rows' column order above. */
const encode = (s: string) => `round(${s}lat * 1e6)::int4, round(${s}lon * 1e6)::int4,
  round(${s}speed_kmh * 10)::int2, ${s}heading_deg, round(${s}altitude_m)::int4, ${s}satellites,
  round(${s}hdop * 10)::int8, coalesce(${s}valid, true), ${s}ignition, ${s}alarm_flags::bit(32)::int4,
  ${s}status_flags::bit(32)::int4, round(${s}odometer_km * 10)::int8, ${s}seq, coalesce(${s}replay, false),
  ${s}extra`;

/** A fix's hour: UTC-aligned whatever the session's time zone. */
const HOUR = (t: string) => `date_bin(interval '1 hour', ${t}, timestamptz '2000-01-01 00:00:00+00')`;

/** The wide columns of one narrow row `r` (position_rows or an unnested pack). */
const DECODE = (r: string) => `${r}.lat_e6 / 1e6::float8 AS lat, ${r}.lon_e6 / 1e6::float8 AS lon,
    (${r}.speed_dkmh::float4 / 10)::float4 AS speed_kmh, ${r}.heading_deg, ${r}.altitude_m::float4 AS altitude_m,
    ${r}.satellites, (${r}.hdop_d::float4 / 10)::float4 AS hdop, ${r}.valid, ${r}.ignition,
    ${r}.alarm_flags::int8 & 4294967295 AS alarm_flags, ${r}.status_flags::int8 & 4294967295 AS status_flags,
    ${r}.odometer_hm / 10::float8 AS odometer_km, ${r}.seq, ${r}.replay, ${r}.extra`;

/**
 * The fixes of the packs `k` matching `where`, as the view's rows. The arrays are unnested in the select list
 * (in step, one row per fix), which PostgreSQL streams; unnest() in FROM would first copy every column of every
 * fix into a tuple store, three times the work for a week's track.
 */
const UNPACKED = (where = '', within?: [string, string]) => `
  SELECT u.terminal_id, u.hour + u.fix_us * interval '1 microsecond' AS fix_time, u.vehicle_id,
         u.hour + (u.fix_us + u.received_us) * interval '1 microsecond' AS received_at, ${DECODE('u')}
    FROM (SELECT k.terminal_id, k.hour, k.vehicle_id, unnest(k.fix_us) AS fix_us, unnest(k.received_us) AS received_us,
                 unnest(k.lat_e6) AS lat_e6, unnest(k.lon_e6) AS lon_e6, unnest(k.speed_dkmh) AS speed_dkmh,
                 unnest(k.heading_deg) AS heading_deg, unnest(k.altitude_m) AS altitude_m,
                 unnest(k.satellites) AS satellites, unnest(k.hdop_d) AS hdop_d, unnest(k.alarm_flags) AS alarm_flags,
                 unnest(k.status_flags) AS status_flags, unnest(k.odometer_hm) AS odometer_hm, unnest(k.seq) AS seq,
                 unnest(k.valid) AS valid, unnest(k.ignition) AS ignition, unnest(k.replay) AS replay,
                 unnest(k.extra) AS extra
            FROM position_packs k ${where}) u${within ? WITHIN(within[0], within[1]) : ''}`;

/**
 * The fixes in [t0, t1]: those of a pack wholly inside without computing their time (most of a long range),
 * the others by their time.
 */
const WITHIN = (t0: string, t1: string) => `
   WHERE (u.hour >= ${t0} AND u.hour <= ${t1} - interval '1 hour')
      OR (u.hour + u.fix_us * interval '1 microsecond' >= ${t0} AND u.hour + u.fix_us * interval '1 microsecond' <= ${t1})`;

const ROWS = `SELECT r.terminal_id, r.fix_time, r.vehicle_id, r.received_at, ${DECODE('r')} FROM position_rows r`;

const DROPPED_FUNCTIONS = [
  'positions_insert()',
  'positions_delete()',
  'position_packed(text, timestamptz)',
  'positions_pack(timestamptz, integer)',
  'positions_of_vehicle(uuid, timestamptz, timestamptz)',
  'positions_of_terminal(text, timestamptz, timestamptz)',
  'positions_between(timestamptz, timestamptz)',
  'positions_received_since(uuid, timestamptz)',
  'position_last_fix(text, timestamptz)',
];

const VIEW_AND_FUNCTIONS = [
  `CREATE VIEW positions AS ${ROWS} UNION ALL ${UNPACKED()}`,
  `ALTER VIEW positions ALTER COLUMN received_at SET DEFAULT now()`,
  `ALTER VIEW positions ALTER COLUMN valid SET DEFAULT true`,
  `ALTER VIEW positions ALTER COLUMN replay SET DEFAULT false`,
  // Whether a pack already holds this fix.
  `CREATE FUNCTION position_packed(terminal text, fix timestamptz) RETURNS boolean LANGUAGE sql STABLE AS $$
     SELECT EXISTS (SELECT 1 FROM position_packs k
                     WHERE k.terminal_id = terminal AND k.hour = ${HOUR('fix')}
                       AND (extract(epoch FROM fix - k.hour) * 1000000)::int8 = ANY (k.fix_us))
   $$`,
  `CREATE FUNCTION positions_insert() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM pg_advisory_xact_lock_shared(${POSITIONS_PACK_LOCK});
     IF position_packed(NEW.terminal_id, NEW.fix_time) THEN RETURN NULL; END IF;
     INSERT INTO position_rows (terminal_id, fix_time, vehicle_id, received_at, lat_e6, lon_e6, speed_dkmh,
       heading_deg, altitude_m, satellites, hdop_d, valid, ignition, alarm_flags, status_flags, odometer_hm, seq,
       replay, extra)
     SELECT NEW.terminal_id, NEW.fix_time, NEW.vehicle_id, coalesce(NEW.received_at, now()),
       ${encode('NEW.')}
     ON CONFLICT DO NOTHING;
     IF NOT FOUND THEN RETURN NULL; END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER positions_insert INSTEAD OF INSERT ON positions FOR EACH ROW EXECUTE FUNCTION positions_insert()`,
  // Positions are deleted by retention (whole packs); deleting single fixes is for recent ones only.
  `CREATE FUNCTION positions_delete() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF position_packed(OLD.terminal_id, OLD.fix_time) THEN
       RAISE EXCEPTION 'position % at % is packed: packed positions go by retention only', OLD.terminal_id,
         OLD.fix_time;
     END IF;
     DELETE FROM position_rows WHERE terminal_id = OLD.terminal_id AND fix_time = OLD.fix_time;
     IF NOT FOUND THEN RETURN NULL; END IF;
     RETURN OLD;
   END $$`,
  `CREATE TRIGGER positions_delete INSTEAD OF DELETE ON positions FOR EACH ROW EXECUTE FUNCTION positions_delete()`,
  `CREATE FUNCTION positions_of_vehicle(vehicle uuid, t0 timestamptz, t1 timestamptz) RETURNS SETOF positions
     LANGUAGE sql STABLE AS $$
     ${ROWS} WHERE r.vehicle_id = vehicle AND r.fix_time >= t0 AND r.fix_time <= t1
     UNION ALL
     ${UNPACKED(`WHERE k.vehicle_id = vehicle AND k.hour >= ${HOUR('t0')} AND k.hour <= t1`, ['t0', 't1'])}
   $$`,
  `CREATE FUNCTION positions_of_terminal(terminal text, t0 timestamptz, t1 timestamptz) RETURNS SETOF positions
     LANGUAGE sql STABLE AS $$
     ${ROWS} WHERE r.terminal_id = terminal AND r.fix_time >= t0 AND r.fix_time <= t1
     UNION ALL
     ${UNPACKED(`WHERE k.terminal_id = terminal AND k.hour >= ${HOUR('t0')} AND k.hour <= t1`, ['t0', 't1'])}
   $$`,
  `CREATE FUNCTION positions_between(t0 timestamptz, t1 timestamptz) RETURNS SETOF positions
     LANGUAGE sql STABLE AS $$
     ${ROWS} WHERE r.fix_time >= t0 AND r.fix_time <= t1
     UNION ALL
     ${UNPACKED(`WHERE k.hour >= ${HOUR('t0')} AND k.hour <= t1`, ['t0', 't1'])}
   $$`,
  // The late arrivals of a car since `since` (received more than a minute after their fix).
  `CREATE FUNCTION positions_received_since(vehicle uuid, since timestamptz) RETURNS SETOF positions
     LANGUAGE sql STABLE AS $$
     ${ROWS} WHERE r.vehicle_id = vehicle AND r.received_at > since
       AND r.received_at - r.fix_time > interval '1 minute'
     UNION ALL
     SELECT * FROM (${UNPACKED('WHERE k.vehicle_id = vehicle AND k.received_max > since')}) x
      WHERE x.received_at > since AND x.received_at - x.fix_time > interval '1 minute'
   $$`,
  // A terminal's last fix at or before `at`: the rows' key, then the newest pack that has one.
  `CREATE FUNCTION position_last_fix(terminal text, at timestamptz) RETURNS timestamptz LANGUAGE sql STABLE AS $$
     SELECT max(f) FROM (
       SELECT max(r.fix_time) AS f FROM position_rows r WHERE r.terminal_id = terminal AND r.fix_time <= at
       UNION ALL
       (SELECT m.f FROM position_packs k
         CROSS JOIN LATERAL (SELECT max(k.hour + u * interval '1 microsecond') AS f FROM unnest(k.fix_us) u
                              WHERE k.hour + u * interval '1 microsecond' <= at) m
         WHERE k.terminal_id = terminal AND k.hour <= at AND m.f IS NOT NULL
         ORDER BY k.hour DESC, m.f DESC LIMIT 1)) x
   $$`,
  // Moves the rows of up to `groups` (terminal, hour) pairs whose hour ended before `horizon` into packs (the oldest
  // such hour of each terminal), merging with a pack already there (a late fix); a fix both in a row and in the
  // pack is kept once, as first stored. Returns the pairs packed. Run it in a transaction of its own: it holds the
  // pack lock exclusively until then.
  `CREATE FUNCTION positions_pack(horizon timestamptz, groups integer) RETURNS integer LANGUAGE plpgsql AS $$
   DECLARE
     g record;
     packed integer := 0;
   BEGIN
     PERFORM pg_advisory_xact_lock(${POSITIONS_PACK_LOCK});
     -- Each terminal's oldest hour, by a skip scan of the primary key (one probe per terminal, never a scan of
     -- the rows): a call packs at most one hour per terminal, the caller calls again until nothing is left.
     FOR g IN
       WITH RECURSIVE t(id) AS (
         (SELECT terminal_id FROM position_rows ORDER BY terminal_id LIMIT 1)
         UNION ALL
         SELECT (SELECT r.terminal_id FROM position_rows r WHERE r.terminal_id > t.id ORDER BY r.terminal_id LIMIT 1)
           FROM t WHERE t.id IS NOT NULL)
       SELECT t.id AS terminal_id, ${HOUR('m.first')} AS hour FROM t
        CROSS JOIN LATERAL (SELECT min(r.fix_time) AS first FROM position_rows r WHERE r.terminal_id = t.id) m
        WHERE t.id IS NOT NULL AND m.first < ${HOUR('horizon')}
        LIMIT groups
     LOOP
       WITH moved AS (
         DELETE FROM position_rows r
          WHERE r.terminal_id = g.terminal_id AND r.fix_time >= g.hour AND r.fix_time < g.hour + interval '1 hour'
         RETURNING r.*
       ), old AS (
         DELETE FROM position_packs k WHERE k.terminal_id = g.terminal_id AND k.hour = g.hour RETURNING k.*
       ), fixes AS (
         SELECT DISTINCT ON (a.fix_us) a.* FROM (
           SELECT 0 AS first, u.* FROM old k
            CROSS JOIN LATERAL unnest(k.fix_us, k.received_us, k.lat_e6, k.lon_e6, k.speed_dkmh, k.heading_deg,
                  k.altitude_m, k.satellites, k.hdop_d, k.alarm_flags, k.status_flags, k.odometer_hm, k.seq,
                  k.valid, k.ignition, k.replay, coalesce(k.extra, array_fill(NULL::jsonb, ARRAY[cardinality(k.fix_us)])),
                  array_fill(k.vehicle_id, ARRAY[cardinality(k.fix_us)]))
              AS u(fix_us, received_us, lat_e6, lon_e6, speed_dkmh, heading_deg, altitude_m, satellites, hdop_d,
                   alarm_flags, status_flags, odometer_hm, seq, valid, ignition, replay, extra, vehicle_id)
           UNION ALL
           SELECT 1, (extract(epoch FROM m.fix_time - g.hour) * 1000000)::int8,
                  (extract(epoch FROM m.received_at - m.fix_time) * 1000000)::int8, m.lat_e6, m.lon_e6,
                  m.speed_dkmh, m.heading_deg, m.altitude_m, m.satellites, m.hdop_d, m.alarm_flags, m.status_flags,
                  m.odometer_hm, m.seq, m.valid, m.ignition, m.replay, m.extra, m.vehicle_id
             FROM moved m) a
         ORDER BY a.fix_us, a.first
       )
       INSERT INTO position_packs (terminal_id, hour, vehicle_id, received_max, fix_us, received_us, lat_e6, lon_e6,
         speed_dkmh, heading_deg, altitude_m, satellites, hdop_d, alarm_flags, status_flags, odometer_hm, seq, valid,
         ignition, replay, extra)
       SELECT g.terminal_id, g.hour, f.vehicle_id,
              g.hour + max(f.fix_us + f.received_us) * interval '1 microsecond',
              array_agg(f.fix_us ORDER BY f.fix_us), array_agg(f.received_us ORDER BY f.fix_us),
              array_agg(f.lat_e6 ORDER BY f.fix_us), array_agg(f.lon_e6 ORDER BY f.fix_us),
              array_agg(f.speed_dkmh ORDER BY f.fix_us), array_agg(f.heading_deg ORDER BY f.fix_us),
              array_agg(f.altitude_m ORDER BY f.fix_us), array_agg(f.satellites ORDER BY f.fix_us),
              array_agg(f.hdop_d ORDER BY f.fix_us), array_agg(f.alarm_flags ORDER BY f.fix_us),
              array_agg(f.status_flags ORDER BY f.fix_us), array_agg(f.odometer_hm ORDER BY f.fix_us),
              array_agg(f.seq ORDER BY f.fix_us), array_agg(f.valid ORDER BY f.fix_us),
              array_agg(f.ignition ORDER BY f.fix_us), array_agg(f.replay ORDER BY f.fix_us),
              CASE WHEN bool_or(f.extra IS NOT NULL) THEN array_agg(f.extra ORDER BY f.fix_us) END
         FROM fixes f GROUP BY f.vehicle_id;
       packed := packed + 1;
     END LOOP;
     RETURN packed;
   END $$`,
];

async function hypertable(q: QueryRunner, table: string): Promise<boolean> {
  const installed: unknown[] = await q.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
  if (installed.length === 0) return false;
  const found: unknown[] = await q.query(
    `SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = $1`,
    [table],
  );
  return found.length > 0;
}

const positionsHypertable = (q: QueryRunner) => hypertable(q, 'positions');

interface PolicyAges {
  compressAfter: string | null;
  dropAfter: string | null;
}

async function policyAges(q: QueryRunner, table: string): Promise<PolicyAges> {
  const jobs: { proc_name: string; config: { compress_after?: string; drop_after?: string } }[] = await q.query(
    `SELECT proc_name, config FROM timescaledb_information.jobs
      WHERE hypertable_name = $1 AND proc_name IN ('policy_compression', 'policy_retention')`,
    [table],
  );
  return {
    compressAfter: jobs.find((j) => j.proc_name === 'policy_compression')?.config.compress_after ?? null,
    dropAfter: jobs.find((j) => j.proc_name === 'policy_retention')?.config.drop_after ?? null,
  };
}

async function addPolicies(q: QueryRunner, table: string, ages: PolicyAges): Promise<void> {
  if (ages.compressAfter) await q.query(`SELECT add_compression_policy($1, $2::interval)`, [table, ages.compressAfter]);
  if (ages.dropAfter) await q.query(`SELECT add_retention_policy($1, $2::interval)`, [table, ages.dropAfter]);
}
