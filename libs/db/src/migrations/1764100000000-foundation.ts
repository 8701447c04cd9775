import { MigrationInterface, QueryRunner } from 'typeorm';

/** Registry, sign-in and the positions store: the tables every app stands on. */
export class Foundation1764100000000 implements MigrationInterface {
  name = 'Foundation1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE units (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        vehicle_quota integer NOT NULL CHECK (vehicle_quota >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE vehicles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        plate_number text NOT NULL,
        plate_normalized text NOT NULL UNIQUE,
        category text NOT NULL CHECK (category IN
          ('confidential_comms', 'emergency', 'law_enforcement', 'special_technical', 'general')),
        unit_id uuid NOT NULL REFERENCES units (id),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'decommissioned')),
        commissioned_on date NOT NULL DEFAULT CURRENT_DATE,
        decommissioned_on date,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'decommissioned') = (decommissioned_on IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX vehicles_unit ON vehicles (unit_id)`);
    await q.query(`
      CREATE TABLE terminals (
        terminal_id text PRIMARY KEY CHECK (terminal_id ~ '^[A-Za-z0-9_-]{1,32}$'),
        secret_hash text NOT NULL,
        model text,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // valid_to is the last day the binding holds (inclusive); NULL while it still holds.
    await q.query(`
      CREATE TABLE terminal_bindings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        vehicle_id uuid NOT NULL REFERENCES vehicles (id),
        terminal_id text NOT NULL REFERENCES terminals (terminal_id),
        valid_from date NOT NULL,
        valid_to date,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (valid_to IS NULL OR valid_to >= valid_from)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX bindings_one_open_per_vehicle ON terminal_bindings (vehicle_id) WHERE valid_to IS NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX bindings_one_open_per_terminal ON terminal_bindings (terminal_id) WHERE valid_to IS NULL`,
    );
    await q.query(`CREATE INDEX bindings_vehicle_period ON terminal_bindings (vehicle_id, valid_from)`);
    await q.query(`CREATE INDEX bindings_terminal_period ON terminal_bindings (terminal_id, valid_from)`);
    await q.query(`
      CREATE TABLE positions (
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
    await q.query(`CREATE INDEX positions_vehicle_time ON positions (vehicle_id, fix_time DESC)`);
    await q.query(`
      CREATE TABLE rejected_messages (
        id bigserial PRIMARY KEY,
        received_at timestamptz NOT NULL DEFAULT now(),
        topic text NOT NULL,
        terminal_id text,
        reason text NOT NULL,
        detail text,
        payload bytea,
        payload_size integer NOT NULL
      )`);
    await q.query(`CREATE INDEX rejected_messages_time ON rejected_messages (received_at DESC)`);
    await q.query(`CREATE INDEX rejected_messages_terminal ON rejected_messages (terminal_id, received_at DESC)`);
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        roles text[] NOT NULL,
        unit_id uuid REFERENCES units (id),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        roles text[] NOT NULL,
        created_by uuid REFERENCES users (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
    await q.query(`CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'settings',
      'api_keys',
      'users',
      'rejected_messages',
      'positions',
      'terminal_bindings',
      'terminals',
      'vehicles',
      'units',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
