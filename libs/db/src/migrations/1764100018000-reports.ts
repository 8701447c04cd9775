import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reports made as jobs: what was asked (kind, format, period and scope), how far the work is, and the file
 * when it is done. The bytes sit in `report_files`, apart, like evidence files, so listing jobs never reads
 * them and one backup holds everything. A report the scheduler makes (the monthly report for the leaders)
 * is made once per period and format whatever the number of schedulers: a unique key says so. Each hand-over
 * of such a report to a delivery channel is recorded in `report_deliveries`.
 */
export class Reports1764100018000 implements MigrationInterface {
  name = 'Reports1764100018000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE report_jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('activity', 'weekly_audit', 'monthly_oversight')),
        format text NOT NULL CHECK (format IN ('pdf', 'xlsx')),
        params jsonb NOT NULL,
        unit_id uuid REFERENCES units (id),
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
        progress smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
        trigger text NOT NULL DEFAULT 'request' CHECK (trigger IN ('request', 'schedule')),
        period_key text,
        requested_by text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        lease_until timestamptz,
        error text,
        file_name text,
        media_type text,
        size_bytes bigint CHECK (size_bytes >= 0),
        sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        CHECK ((status = 'done') = (sha256 IS NOT NULL)),
        CHECK (trigger = 'request' OR period_key IS NOT NULL)
      )`);
    await q.query(`CREATE UNIQUE INDEX report_jobs_scheduled_once ON report_jobs (kind, period_key, format)
      WHERE trigger = 'schedule'`);
    await q.query(`CREATE INDEX report_jobs_waiting ON report_jobs (created_at) WHERE status IN ('queued', 'running')`);
    await q.query(`CREATE INDEX report_jobs_created ON report_jobs (created_at DESC)`);
    await q.query(`
      CREATE TABLE report_files (
        job_id uuid PRIMARY KEY REFERENCES report_jobs (id) ON DELETE CASCADE,
        content bytea NOT NULL
      )`);
    // PDF and XLSX are compressed already: TOAST's compression would only spend time.
    await q.query(`ALTER TABLE report_files ALTER COLUMN content SET STORAGE EXTERNAL`);
    await q.query(`
      CREATE TABLE report_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        job_id uuid NOT NULL REFERENCES report_jobs (id) ON DELETE CASCADE,
        channel text NOT NULL,
        recipient text NOT NULL,
        status text NOT NULL CHECK (status IN ('delivered', 'failed')),
        detail text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX report_deliveries_job ON report_deliveries (job_id, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE report_deliveries');
    await q.query('DROP TABLE report_files');
    await q.query('DROP TABLE report_jobs');
  }
}
