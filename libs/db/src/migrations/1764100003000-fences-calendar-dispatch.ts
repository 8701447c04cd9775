import { MigrationInterface, QueryRunner } from 'typeorm';

/** Fences (stored as drawn and as WGS-84), the working calendar per year, and dispatch orders (派车单). */
export class FencesCalendarDispatch1764100003000 implements MigrationInterface {
  name = 'FencesCalendarDispatch1764100003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fences (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('jurisdiction', 'forbidden', 'restaurant', 'parking', 'speed_zone')),
        coordinate_system text NOT NULL CHECK (coordinate_system IN ('WGS84', 'GCJ02', 'BD09')),
        shape_type text NOT NULL CHECK (shape_type IN ('polygon', 'multipolygon', 'circle', 'corridor')),
        source_geometry jsonb NOT NULL,
        geometry jsonb NOT NULL,
        radius_m double precision CHECK (radius_m > 0),
        width_m double precision CHECK (width_m > 0),
        speed_limit_kmh real CHECK (speed_limit_kmh > 0),
        vehicle_ids uuid[] NOT NULL DEFAULT '{}',
        unit_ids uuid[] NOT NULL DEFAULT '{}',
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((shape_type = 'circle') = (radius_m IS NOT NULL)),
        CHECK ((shape_type = 'corridor') = (width_m IS NOT NULL)),
        CHECK ((kind = 'speed_zone') = (speed_limit_kmh IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX fences_kind ON fences (kind) WHERE active`);
    await q.query(`
      CREATE TABLE calendar_years (
        year integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
        source text NOT NULL,
        loaded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE calendar_days (
        day date PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('holiday', 'workday')),
        name text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE dispatch_orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        unit_id uuid NOT NULL REFERENCES units (id),
        vehicle_id uuid NOT NULL REFERENCES vehicles (id),
        driver text NOT NULL,
        purpose text NOT NULL,
        start_time timestamptz NOT NULL,
        end_time timestamptz NOT NULL,
        destination text NOT NULL,
        destination_fence_id uuid REFERENCES fences (id) ON DELETE SET NULL,
        leaves_jurisdiction boolean NOT NULL DEFAULT false,
        status text NOT NULL DEFAULT 'requested'
          CHECK (status IN ('requested', 'approved', 'rejected', 'cancelled', 'ended')),
        requested_by text NOT NULL,
        decided_by text,
        decided_at timestamptz,
        decision_note text,
        ended_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (end_time > start_time),
        CHECK ((status = 'ended') = (ended_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX dispatch_orders_vehicle_period ON dispatch_orders (vehicle_id, start_time, end_time)`);
    await q.query(`CREATE INDEX dispatch_orders_unit ON dispatch_orders (unit_id, start_time)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS dispatch_orders');
    await q.query('DROP TABLE IF EXISTS calendar_days');
    await q.query('DROP TABLE IF EXISTS calendar_years');
    await q.query('DROP TABLE IF EXISTS fences');
  }
}
