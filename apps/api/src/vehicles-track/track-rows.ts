import type { PoolClient } from 'pg';
import copyStreams from 'pg-copy-streams';
import { FixBatch } from './fix-batch.js';

/** Where a page of a track ends: the last fix it holds (fix time and terminal order the fixes). */
export interface TrackPosition {
  timeUs: number;
  terminalId: string;
}

export interface TrackRead {
  vehicleId: string;
  from: Date;
  to: Date;
  /** Only fixes after this one. */
  after?: TrackPosition;
  /** At most this many fixes. */
  limit?: number;
}

/**
 * The one statement that reads positions for a track: a car's fixes in [from, to), in fix-time order (a
 * blind-area re-upload falls into place), after a page's last fix when paging. positions_of_vehicle() reads
 * the recent rows by the index on (vehicle_id, fix_time) and only the packs of the hours asked for. The casts fix the types the decoder below reads, whatever types the table stores.
 *
 * COPY in PostgreSQL's binary format, because reading 60,000 rows through the ordinary protocol costs the
 * service ~200 ms of CPU for one string per field; COPY hands over large buffers and the decoder reads the
 * numbers straight out of them. COPY takes no parameters: every value below is a checked UUID, a time
 * written here, or a quoted literal.
 */
export function trackSql(client: Pick<PoolClient, 'escapeLiteral'>, read: TrackRead): string {
  const quote = (value: string) => client.escapeLiteral(value);
  const at = (timeUs: number) => `${quote(isoMicros(timeUs))}::timestamptz`;
  const after = read.after
    ? ` AND fix_time >= ${at(read.after.timeUs)}` +
      ` AND (fix_time > ${at(read.after.timeUs)} OR terminal_id > ${quote(read.after.terminalId)})`
    : '';
  const limit = read.limit === undefined ? '' : ` LIMIT ${Math.trunc(read.limit)}`;
  const from = `${quote(read.from.toISOString())}::timestamptz`;
  // The range is [from, to); the function's is inclusive, and times are in microseconds.
  const last = `${quote(read.to.toISOString())}::timestamptz - interval '1 microsecond'`;
  return `COPY (
    SELECT terminal_id::text, fix_time::timestamptz, lat::float8, lon::float8, speed_kmh::float4, heading_deg::int2,
           ignition::bool, alarm_flags::int8, odometer_km::float8, valid::bool, replay::bool
      FROM positions_of_vehicle(${quote(read.vehicleId)}::uuid, ${from}, ${last})
     WHERE true${after}
     ORDER BY fix_time, terminal_id${limit}
  ) TO STDOUT (FORMAT binary)`;
}

/** The fixes of one read, decoded a batch at a time as PostgreSQL sends them. */
export function readTrackRows(client: PoolClient, read: TrackRead, batchSize: number): AsyncGenerator<FixBatch> {
  return decodeTrackCopy(client.query(copyStreams.to(trackSql(client, read))), batchSize);
}

/** An instant with its microseconds, as PostgreSQL reads it. */
export function isoMicros(timeUs: number): string {
  const ms = Math.floor(timeUs / 1000);
  const micros = Math.round(timeUs - ms * 1000);
  return new Date(ms).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
}

// ---------------------------------------------------------------- PostgreSQL's binary COPY format

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER = SIGNATURE.length + 8; // flags and the length of the header extension
const FIELDS = 11;
/** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in microseconds since 1970. */
const PG_EPOCH_US = 946_684_800_000_000;
const TWO_32 = 4_294_967_296;

/** Bytes of a tuple besides its terminal id, at most (fewer when a field is null). */
const FIXED_BYTES = 2 + FIELDS * 4 + 8 + 8 + 8 + 4 + 2 + 1 + 8 + 8 + 1 + 1;

/** Bytes of the tuple at `pos` (its field count and fields), or -1 when not all of it has arrived. */
function tupleLength(view: DataView, pos: number): number {
  const end = view.byteLength;
  if (pos + 2 > end) return -1;
  const fields = view.getInt16(pos);
  if (fields === -1) return 2; // the trailer
  let p = pos + 2;
  for (let f = 0; f < fields; f++) {
    if (p + 4 > end) return -1;
    const length = view.getInt32(p);
    p += 4 + (length > 0 ? length : 0);
  }
  return p > end ? -1 : p - pos;
}

/**
 * float4 speeds as PostgreSQL prints them (the shortest decimal that reads back as the same float4: 43.7, not
 * 43.70000076293945), so the answers carry what the terminal sent. Speeds repeat, so the few distinct ones
 * are remembered.
 */
const float4Decimals = new Map<number, number>();
function float4Decimal(x: number): number {
  const known = float4Decimals.get(x);
  if (known !== undefined) return known;
  let shortest = x;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) {
      shortest = candidate;
      break;
    }
  }
  if (float4Decimals.size > 4096) float4Decimals.clear();
  float4Decimals.set(x, shortest);
  return shortest;
}

/** Decodes a binary COPY of the columns trackSql selects into batches of `batchSize` fixes. */
export async function* decodeTrackCopy(chunks: AsyncIterable<Buffer>, batchSize: number): AsyncGenerator<FixBatch> {
  let rest: Buffer | null = null;
  let headerRead = false;
  let batch = new FixBatch(batchSize);
  // The last terminal id's bytes and string: a car's fixes nearly all come from one terminal.
  let lastIdBytes = new Uint8Array(0);
  let lastId = '';
  for await (const chunk of chunks) {
    const buf: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    rest = null;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const size = buf.length;
    let pos = 0;
    if (!headerRead) {
      if (size < HEADER) {
        rest = buf;
        continue;
      }
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY');
      pos = HEADER + view.getInt32(SIGNATURE.length + 4);
      headerRead = true;
    }
    while (pos + 6 <= size) {
      const fields = view.getInt16(pos);
      if (fields === -1) {
        pos += 2;
        break;
      }
      if (fields !== FIELDS) throw new Error(`a track row has ${fields} fields, not ${FIELDS}`);
      // Whole when the fixed-size fields fit after the id; only near a chunk's end is it counted exactly.
      let n = view.getInt32(pos + 2);
      if (pos + FIXED_BYTES + n > size && tupleLength(view, pos) < 0) break;
      let p = pos + 6;
      const j = batch.length++;
      // terminal_id text
      let same = n === lastIdBytes.length;
      for (let k = 0; same && k < n; k++) same = buf[p + k] === lastIdBytes[k];
      if (!same) {
        lastIdBytes = Uint8Array.prototype.slice.call(buf, p, p + n);
        lastId = buf.toString('utf8', p, p + n);
      }
      batch.terminalId[j] = lastId;
      p += n;
      // fix_time timestamptz: microseconds since 2000 (never null: part of the key)
      batch.timeUs[j] = view.getInt32(p + 4) * TWO_32 + view.getUint32(p + 8) + PG_EPOCH_US;
      p += 12;
      // lat, lon float8
      n = view.getInt32(p);
      batch.lat[j] = n < 0 ? Number.NaN : view.getFloat64(p + 4);
      p += n > 0 ? 4 + n : 4;
      n = view.getInt32(p);
      batch.lon[j] = n < 0 ? Number.NaN : view.getFloat64(p + 4);
      p += n > 0 ? 4 + n : 4;
      // speed_kmh float4
      n = view.getInt32(p);
      batch.speedKmh[j] = n < 0 ? Number.NaN : float4Decimal(view.getFloat32(p + 4));
      p += n > 0 ? 4 + n : 4;
      // heading_deg int2
      n = view.getInt32(p);
      batch.headingDeg[j] = n < 0 ? Number.NaN : view.getInt16(p + 4);
      p += n > 0 ? 4 + n : 4;
      // ignition bool
      n = view.getInt32(p);
      batch.ignition[j] = n < 0 ? -1 : buf[p + 4];
      p += n > 0 ? 4 + n : 4;
      // alarm_flags int8
      n = view.getInt32(p);
      batch.alarmFlags[j] = n < 0 ? Number.NaN : view.getInt32(p + 4) * TWO_32 + view.getUint32(p + 8);
      p += n > 0 ? 4 + n : 4;
      // odometer_km float8
      n = view.getInt32(p);
      batch.odometerKm[j] = n < 0 ? Number.NaN : view.getFloat64(p + 4);
      p += n > 0 ? 4 + n : 4;
      // valid, replay bool (a null reads as false)
      n = view.getInt32(p);
      batch.valid[j] = n < 0 ? 0 : buf[p + 4];
      p += n > 0 ? 4 + n : 4;
      n = view.getInt32(p);
      batch.replay[j] = n < 0 ? 0 : buf[p + 4];
      p += n > 0 ? 4 + n : 4;
      pos = p;
      if (batch.full) {
        yield batch;
        batch = new FixBatch(batchSize);
      }
    }
    if (pos < size) rest = buf.subarray(pos);
  }
  if (batch.length > 0) yield batch;
}
