import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { TRACK_BATCH, type FixBatch } from './fix-batch.js';
import { encodeCursor } from './track-cursor.js';
import { readTrackRows, type TrackPosition } from './track-rows.js';
import { simplifyTrack } from './track-simplify.js';
import { compactTrack, geoJsonTrack } from './track-writers.js';
import type { TrackFormat } from './vehicle-track.dto.js';

export interface TrackRequest {
  vehicleId: string;
  from: Date;
  to: Date;
  format: TrackFormat;
  /** Tolerance in metres, or null for every fix. */
  simplifyM: number | null;
  /** Page size, or undefined for the whole range. */
  limit?: number;
  after?: TrackPosition;
}

/** The page's end: the last fix passed on, and whether the range holds more. */
class Page {
  last: TrackPosition | null = null;
  more = false;
  /** The read came to its end: the connection is free again, whatever the writer still does. */
  readToEnd = false;

  constructor(private readonly limit: number | undefined) {}

  /** Passes on at most `limit` fixes; the read asks for one more, which only says that more follow. */
  async *apply(batches: AsyncIterable<FixBatch>): AsyncGenerator<FixBatch> {
    let passed = 0;
    for await (const batch of batches) {
      if (this.limit !== undefined && passed + batch.length > this.limit) {
        this.more = true;
        batch.length = this.limit - passed;
      }
      if (batch.length === 0) continue;
      passed += batch.length;
      this.last = { timeUs: batch.timeUs[batch.length - 1], terminalId: batch.terminalId[batch.length - 1] };
      yield batch;
    }
    this.readToEnd = true;
  }

  next(): string | null {
    return this.more && this.last ? encodeCursor(this.last) : null;
  }
}

/**
 * A car's track between two instants, as JSON text in pieces to send as they come: the fixes are read in
 * fix-time order (blind-area re-uploads fall into place) a batch at a time, optionally thinned, and written as
 * GeoJSON or in the compact form. A fix without a GNSS lock carries no geometry in GeoJSON, since its
 * coordinates are only the terminal's last guess, but its alarms and ignition still count.
 */
/** The sort memory of a track read (PostgreSQL's work_mem). */
const TRACK_WORK_MEM = '16MB';

@Injectable()
export class VehicleTrackService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The first piece comes once the car is known (404 otherwise) and its first fixes are read, so a failure
   * before then is an ordinary error answer. The connection is held until the last piece has been taken;
   * a reader that stops early (the client went away) closes it, which ends the query in PostgreSQL too.
   */
  async *track(request: TrackRequest): AsyncGenerator<Uint8Array | string> {
    // The app's pool; a client of its own (not a TypeORM query runner) so a broken-off read can discard it.
    const client = await ((this.db.driver as PostgresDriver).master as Pool).connect();
    let page: Page | null = null;
    try {
      const vehicles = await client.query<{ plate_number: string }>('SELECT plate_number FROM vehicles WHERE id = $1', [
        request.vehicleId,
      ]);
      if (vehicles.rows.length === 0) throw new NotFoundException(`vehicle ${request.vehicleId} is not known`);
      const head = {
        vehicleId: request.vehicleId,
        plateNumber: vehicles.rows[0].plate_number,
        from: request.from.toISOString(),
        to: request.to.toISOString(),
      };
      page = new Page(request.limit);
      // Packed fixes come out of their hours' arrays and are sorted by time: a week (60,480 fixes, ~8 MB to sort)
      // sorts in memory with this, on disk (half as fast again) with the default 4 MB. Reset at release.
      await client.query(`SET work_mem = '${TRACK_WORK_MEM}'`);
      const read = readTrackRows(
        client,
        {
          vehicleId: request.vehicleId,
          from: request.from,
          to: request.to,
          after: request.after,
          limit: request.limit === undefined ? undefined : request.limit + 1,
        },
        TRACK_BATCH,
      );
      let batches = page.apply(read);
      if (request.simplifyM !== null) batches = simplifyTrack(batches, request.simplifyM, TRACK_BATCH);
      const next = () => page!.next();
      yield* request.format === 'compact'
        ? compactTrack(head, request.simplifyM, batches, next)
        : geoJsonTrack(head, batches, next);
    } finally {
      // Released with an error, the pool closes the connection rather than reuse one in the middle of a COPY.
      const broken = page !== null && !page.readToEnd;
      if (!broken) await client.query('RESET work_mem').catch(() => undefined);
      client.release(broken ? new Error('the track was not read to its end') : undefined);
    }
  }
}
