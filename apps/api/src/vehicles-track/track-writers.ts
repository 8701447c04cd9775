import { compactChunk } from './compact-track.js';
import type { FixBatch } from './fix-batch.js';
import { JsonBytes } from './json-bytes.js';

/** What precedes the features of a track's answer (GeoJSON and compact alike). */
export interface TrackHead {
  vehicleId: string;
  plateNumber: string;
  from: string;
  to: string;
}

/** A number as JSON writes it (null for NaN, which stands for a value not sent). */
const num = (v: number) => (v !== v ? 'null' : String(v));

/**
 * The GeoJSON form: a FeatureCollection whose first feature is the LineString through the valid fixes (when
 * there are at least two), then one Point feature per fix (null geometry without GNSS lock). The line comes
 * first, so the fixes are held (in their typed arrays, ~90 bytes a fix) until the last one is read; the text
 * is still written a batch at a time rather than built whole.
 */
export async function* geoJsonTrack(
  head: TrackHead,
  batches: AsyncIterable<FixBatch>,
  nextCursor: () => string | null,
): AsyncGenerator<Uint8Array | string> {
  const held: FixBatch[] = [];
  let valid = 0;
  for await (const batch of batches) {
    held.push(batch);
    for (let i = 0; i < batch.length; i++) valid += batch.valid[i];
  }
  const out = new JsonBytes(1 << 20);
  out.raw(
    `{"type":"FeatureCollection","vehicleId":${JSON.stringify(head.vehicleId)},` +
      `"plateNumber":${JSON.stringify(head.plateNumber)},"from":${JSON.stringify(head.from)},` +
      `"to":${JSON.stringify(head.to)},"features":[`,
  );
  let first = true;
  if (valid >= 2) {
    out.raw('{"type":"Feature","geometry":{"type":"LineString","coordinates":[');
    let comma = false;
    for (const batch of held) {
      for (let i = 0; i < batch.length; i++) {
        if (batch.valid[i] !== 1) continue;
        if (comma) out.char(44);
        out.char(91).raw(num(batch.lon[i])).char(44).raw(num(batch.lat[i])).char(93);
        comma = true;
      }
      yield out.take();
    }
    out.raw(`]},"properties":{"kind":"track","fixes":${valid}}}`);
    first = false;
  }
  const ids = new Map<string, string>();
  for (const batch of held) {
    for (let i = 0; i < batch.length; i++) {
      const id = batch.terminalId[i];
      let idJson = ids.get(id);
      if (idJson === undefined) ids.set(id, (idJson = JSON.stringify(id)));
      const ignition = batch.ignition[i];
      const isValid = batch.valid[i] === 1;
      if (!first) out.char(44);
      first = false;
      out.raw('{"type":"Feature","geometry":');
      if (isValid) {
        out.raw('{"type":"Point","coordinates":[').raw(num(batch.lon[i])).char(44).raw(num(batch.lat[i])).raw(']}');
      } else {
        out.raw('null');
      }
      out
        .raw(',"properties":{"kind":"fix","fixTime":"')
        .raw(new Date(Math.floor(batch.timeUs[i] / 1000)).toISOString())
        .raw('","terminalId":')
        .raw(idJson)
        .raw(isValid ? ',"valid":true,"speedKmh":' : ',"valid":false,"speedKmh":')
        .raw(num(batch.speedKmh[i]))
        .raw(',"headingDeg":')
        .raw(num(batch.headingDeg[i]))
        .raw(ignition < 0 ? ',"ignition":null' : ignition === 1 ? ',"ignition":true' : ',"ignition":false')
        .raw(',"alarmFlags":')
        .raw(num(batch.alarmFlags[i]))
        .raw(',"odometerKm":')
        .raw(num(batch.odometerKm[i]))
        .raw(batch.replay[i] === 1 ? ',"replay":true}}' : ',"replay":false}}');
    }
    yield out.take();
  }
  out.raw(`],"next":${JSON.stringify(nextCursor())}}`);
  yield out.take();
}

/**
 * The compact form (see compact-track.ts), written a chunk at a time as the fixes are read: nothing but the
 * batch at hand is held, so a month costs no more memory than an hour.
 */
export async function* compactTrack(
  head: TrackHead,
  simplifyM: number | null,
  batches: AsyncIterable<FixBatch>,
  nextCursor: () => string | null,
): AsyncGenerator<Uint8Array | string> {
  yield (
    `{"format":"compact","vehicleId":${JSON.stringify(head.vehicleId)},` +
    `"plateNumber":${JSON.stringify(head.plateNumber)},"from":${JSON.stringify(head.from)},` +
    `"to":${JSON.stringify(head.to)},"simplifyM":${simplifyM ?? 'null'},"chunks":[`
  );
  const out = new JsonBytes(1 << 18);
  let fixes = 0;
  for await (const batch of batches) {
    if (fixes > 0) out.char(44);
    compactChunk(out, batch);
    fixes += batch.length;
    yield out.take();
  }
  yield `],"fixes":${fixes},"next":${JSON.stringify(nextCursor())}}`;
}
