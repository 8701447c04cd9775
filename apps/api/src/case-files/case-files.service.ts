import { createHash } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { HistoryService } from '#app/history';
import { EVIDENCE_STORE, type EvidenceStore } from './evidence-store.js';

export interface CaseFileView {
  id: string;
  caseId: string;
  fileName: string;
  mediaType: string;
  size: number;
  sha256: string;
  description: string | null;
  uploadedBy: string;
  uploadedAt: Date;
}

const FILE_COLUMNS = `id, case_id AS "caseId", file_name AS "fileName", media_type AS "mediaType",
  size_bytes::float8 AS size, sha256, description, uploaded_by AS "uploadedBy", uploaded_at AS "uploadedAt"`;

export interface NewCaseFile {
  fileName: string;
  mediaType: string;
  bytes: Buffer;
  description: string | null;
}

/** Evidence files of a case: stored with the SHA-256 the server computed, which goes into the case's history. */
@Injectable()
export class CaseFilesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
    @Inject(EVIDENCE_STORE) private readonly store: EvidenceStore,
  ) {}

  async add(caseId: string, file: NewCaseFile, actor: string): Promise<CaseFileView> {
    const sha256 = createHash('sha256').update(file.bytes).digest('hex');
    return this.db.transaction(async (m) => {
      await this.caseOrThrow(m, caseId, true);
      const rows: CaseFileView[] = await m.query(
        `INSERT INTO case_files (case_id, file_name, media_type, size_bytes, sha256, description, storage, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${FILE_COLUMNS}`,
        [caseId, file.fileName, file.mediaType, file.bytes.length, sha256, file.description, this.store.name, actor],
      );
      const saved = rows[0];
      await this.store.put(m, saved.id, file.bytes);
      await this.history.append(m, {
        entityType: 'case',
        entityId: caseId,
        action: 'file_added',
        actor,
        data: {
          fileId: saved.id,
          fileName: saved.fileName,
          mediaType: saved.mediaType,
          size: saved.size,
          sha256,
          description: saved.description,
        },
      });
      return saved;
    });
  }

  async list(caseId: string): Promise<CaseFileView[]> {
    await this.caseOrThrow(this.db.manager, caseId);
    return this.db.query(`SELECT ${FILE_COLUMNS} FROM case_files WHERE case_id = $1 ORDER BY uploaded_at, id`, [
      caseId,
    ]);
  }

  /** The file's bytes, only when they still hash to the recorded SHA-256 (else 409: never altered bytes). */
  async read(caseId: string, fileId: string): Promise<{ file: CaseFileView; bytes: Buffer }> {
    const rows: CaseFileView[] = await this.db.query(
      `SELECT ${FILE_COLUMNS} FROM case_files WHERE id = $1 AND case_id = $2`,
      [fileId, caseId],
    );
    const file = rows[0];
    if (!file) throw new NotFoundException(`case ${caseId} has no file ${fileId}`);
    const bytes = await this.store.get(this.db.manager, fileId);
    if (!bytes) throw new ConflictException(`the stored bytes of file ${fileId} are missing`);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== file.sha256) {
      throw new ConflictException(
        `the stored bytes of file ${fileId} no longer match its sha256: recorded ${file.sha256}, found ${actual}`,
      );
    }
    return { file, bytes };
  }

  /** Every file whose bytes changed or went missing since upload. */
  mismatches() {
    return this.store.mismatches(this.db.manager);
  }

  private async caseOrThrow(m: EntityManager, caseId: string, lock = false): Promise<void> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM cases WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [caseId]);
    if (rows.length === 0) throw new NotFoundException(`case ${caseId} does not exist`);
  }
}
