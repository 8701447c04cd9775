import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { payloadView } from './payload-view.js';

export interface RejectedFilter {
  terminalId?: string;
  reason?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

export interface RejectedMessageView {
  id: string;
  receivedAt: string;
  topic: string;
  terminalId: string | null;
  reason: string;
  detail: string | null;
  payloadSize: number;
  /** The platform keeps the first 4 KiB of a payload; true when this one was longer. */
  payloadTruncated: boolean;
  payloadBase64: string | null;
  payloadPreview: string | null;
}

interface RejectedRow {
  id: string;
  received_at: Date;
  topic: string;
  terminal_id: string | null;
  reason: string;
  detail: string | null;
  payload: Buffer | null;
  payload_size: number;
}

/** Newest first, paged by a cursor (the last id seen) so a growing table never shifts a page. */
@Injectable()
export class RejectedMessagesService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(filter: RejectedFilter): Promise<{ items: RejectedMessageView[]; nextCursor: string | null }> {
    const rows: RejectedRow[] = await this.db.query(
      `SELECT r.id, r.received_at, r.topic, r.terminal_id, r.reason, r.detail, r.payload, r.payload_size
         FROM rejected_messages r
        WHERE ($1::text IS NULL OR r.terminal_id = $1)
          AND ($2::text IS NULL OR r.reason = $2)
          AND ($3::timestamptz IS NULL OR r.received_at >= $3)
          AND ($4::timestamptz IS NULL OR r.received_at < $4)
          AND ($5::bigint IS NULL OR (r.received_at, r.id) <
               (SELECT c.received_at, c.id FROM rejected_messages c WHERE c.id = $5))
        ORDER BY r.received_at DESC, r.id DESC
        LIMIT $6`,
      [
        filter.terminalId ?? null,
        filter.reason ?? null,
        filter.from ?? null,
        filter.to ?? null,
        filter.cursor ?? null,
        filter.limit + 1,
      ],
    );
    const page = rows.slice(0, filter.limit);
    return {
      items: page.map((row) => ({
        id: String(row.id),
        receivedAt: row.received_at.toISOString(),
        topic: row.topic,
        terminalId: row.terminal_id,
        reason: row.reason,
        detail: row.detail,
        payloadSize: row.payload_size,
        payloadTruncated: row.payload !== null && row.payload.length < row.payload_size,
        ...payloadView(row.payload),
      })),
      nextCursor: rows.length > filter.limit ? String(page[page.length - 1].id) : null,
    };
  }
}
