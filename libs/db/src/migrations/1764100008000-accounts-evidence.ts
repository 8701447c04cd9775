import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts an operator can run: a password set by someone else must be changed by its owner, and tokens issued
 * before an admin's reset or before a user was disabled stop working. Evidence files are kept in PostgreSQL by
 * default (one backup holds everything): their metadata in `case_files`, their bytes in `evidence_blobs`, apart,
 * so listing a case's files never reads the bytes and another store can take the bytes' place.
 */
export class AccountsEvidence1764100008000 implements MigrationInterface {
  name = 'AccountsEvidence1764100008000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users
        ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
        ADD COLUMN tokens_valid_after timestamptz,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(`
      CREATE TABLE case_files (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases (id),
        file_name text NOT NULL,
        media_type text NOT NULL,
        size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        description text,
        storage text NOT NULL DEFAULT 'postgres',
        uploaded_by text NOT NULL,
        uploaded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX case_files_case ON case_files (case_id, uploaded_at)`);
    await q.query(`
      CREATE TABLE evidence_blobs (
        file_id uuid PRIMARY KEY REFERENCES case_files (id),
        content bytea NOT NULL
      )`);
    // Already compressed media gain nothing from TOAST's compression; storing them as they are saves the work.
    await q.query(`ALTER TABLE evidence_blobs ALTER COLUMN content SET STORAGE EXTERNAL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE evidence_blobs');
    await q.query('DROP TABLE case_files');
    await q.query(`
      ALTER TABLE users
        DROP COLUMN must_change_password,
        DROP COLUMN tokens_valid_after,
        DROP COLUMN updated_at`);
  }
}
