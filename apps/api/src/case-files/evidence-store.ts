import type { EntityManager } from 'typeorm';

/**
 * Where an evidence file's bytes live. The metadata (name, type, size, SHA-256) is always in `case_files`;
 * the bytes go to a store. PostgreSQL is the default, so one backup holds everything; an S3-compatible store
 * would implement the same three calls (its `put` runs before the metadata's transaction commits, and a
 * failed transaction leaves an unreferenced object to collect).
 */
export interface EvidenceStore {
  /** The name recorded with each file, so a file is always read from the store that has it. */
  readonly name: string;
  put(m: EntityManager, fileId: string, bytes: Buffer): Promise<void>;
  get(m: EntityManager, fileId: string): Promise<Buffer | null>;
  /** Files whose stored bytes no longer hash to their recorded SHA-256 (or are gone). */
  mismatches(m: EntityManager): Promise<{ fileId: string; caseId: string; problem: 'changed' | 'missing' }[]>;
}

export const EVIDENCE_STORE = Symbol('EVIDENCE_STORE');

/** Bytes in `evidence_blobs`, written in the same transaction as their metadata and history entry. */
export class PostgresEvidenceStore implements EvidenceStore {
  readonly name = 'postgres';

  async put(m: EntityManager, fileId: string, bytes: Buffer): Promise<void> {
    await m.query('INSERT INTO evidence_blobs (file_id, content) VALUES ($1, $2)', [fileId, bytes]);
  }

  async get(m: EntityManager, fileId: string): Promise<Buffer | null> {
    const rows: { content: Buffer }[] = await m.query('SELECT content FROM evidence_blobs WHERE file_id = $1', [
      fileId,
    ]);
    return rows[0]?.content ?? null;
  }

  async mismatches(m: EntityManager) {
    // The server hashes the bytes where they are: nothing large travels to check them.
    const rows: { file_id: string; case_id: string; problem: 'changed' | 'missing' }[] = await m.query(
      `SELECT f.id AS file_id, f.case_id,
              CASE WHEN b.file_id IS NULL THEN 'missing' ELSE 'changed' END AS problem
         FROM case_files f LEFT JOIN evidence_blobs b ON b.file_id = f.id
        WHERE f.storage = $1 AND (b.file_id IS NULL OR encode(sha256(b.content), 'hex') <> f.sha256)
        ORDER BY f.uploaded_at`,
      [this.name],
    );
    return rows.map((r) => ({ fileId: r.file_id, caseId: r.case_id, problem: r.problem }));
  }
}
