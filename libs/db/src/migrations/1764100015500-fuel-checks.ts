import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fuel fields of a payment check (litres, when and where the fuel was taken), and the fuel invoices of a
 * car by fill time, which the next fuel check of that car reads. A request is the same request only with the
 * same fuel fields, so they join the key that makes a repeated request find its first decision.
 */
export class FuelChecks1764100015500 implements MigrationInterface {
  name = 'FuelChecks1764100015500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payment_checks
      ADD COLUMN litres numeric(6,3),
      ADD COLUMN filled_at timestamptz,
      ADD COLUMN station_lat double precision,
      ADD COLUMN station_lon double precision,
      ADD COLUMN fuel_key text NOT NULL DEFAULT ''`);
    await q.query(`DROP INDEX payment_checks_once`);
    await q.query(`CREATE UNIQUE INDEX payment_checks_once
      ON payment_checks (invoice_no, plate_normalized, expense_type, amount, fuel_key)`);
    await q.query(`CREATE INDEX payment_checks_fuel ON payment_checks (vehicle_id, filled_at DESC)
      WHERE litres IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX payment_checks_fuel`);
    await q.query(`DROP INDEX payment_checks_once`);
    await q.query(`DELETE FROM payment_checks a USING payment_checks b
      WHERE a.invoice_no = b.invoice_no AND a.plate_normalized = b.plate_normalized
        AND a.expense_type = b.expense_type AND a.amount = b.amount AND a.checked_at > b.checked_at`);
    await q.query(`CREATE UNIQUE INDEX payment_checks_once
      ON payment_checks (invoice_no, plate_normalized, expense_type, amount)`);
    await q.query(`ALTER TABLE payment_checks DROP COLUMN fuel_key, DROP COLUMN station_lon,
      DROP COLUMN station_lat, DROP COLUMN filled_at, DROP COLUMN litres`);
  }
}
