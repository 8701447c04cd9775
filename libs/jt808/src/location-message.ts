import { MAX_BATCH_POSITIONS, type PositionRecord, type Rejection } from '#app/telemetry';
import type { Jt808Frame } from './frame.js';
import { MSG } from './ids.js';
import { parseLocation, parseLocationBatch } from './messages.js';
import { locationToPosition } from './position.js';

export interface LocationMessage {
  positions: PositionRecord[];
  rejections: Rejection[];
}

/**
 * A 0x0200, 0x0201 or 0x0704 frame → positions and rejections, each item of a batch judged alone. Pure; never
 * throws, whatever the body.
 */
export function decodeLocationMessage(frame: Jt808Frame, receivedAt: number): LocationMessage {
  const { header, body } = frame;
  const terminalId = header.terminalId;
  const out: LocationMessage = { positions: [], rejections: [] };
  const reject = (reason: Rejection['reason'], detail: string, payload: Buffer) =>
    out.rejections.push({ reason, detail, terminalId, payload });
  if (header.msgId === MSG.LOCATION_BATCH) {
    const batch = parseLocationBatch(body);
    if (!batch.ok) {
      reject('SCHEMA', `batch: ${batch.detail}`, body);
      return out;
    }
    if (batch.value.declared > MAX_BATCH_POSITIONS) {
      reject('TOO_LARGE', `batch of ${batch.value.declared} positions is over ${MAX_BATCH_POSITIONS}`, body);
      return out;
    }
    const replay = batch.value.type === 1;
    batch.value.items.forEach((item, index) => {
      if (!item.ok) return reject('SCHEMA', item.detail, item.body);
      const location = parseLocation(item.body);
      if (!location.ok) return reject('SCHEMA', `item ${index}: ${location.detail}`, item.body);
      const mapped = locationToPosition(location.value, terminalId, receivedAt, replay);
      if (mapped.ok) out.positions.push(mapped.position);
      else reject(mapped.reason, `item ${index}: ${mapped.detail}`, item.body);
    });
    return out;
  }
  // 0x0201 answers a position query: its serial, then a location body.
  const location = parseLocation(header.msgId === MSG.LOCATION_QUERY_RESPONSE ? body.subarray(2) : body);
  if (!location.ok) {
    reject('SCHEMA', `location: ${location.detail}`, body);
    return out;
  }
  const mapped = locationToPosition(location.value, terminalId, receivedAt, false);
  if (mapped.ok) out.positions.push(mapped.position);
  else reject(mapped.reason, mapped.detail, body);
  return out;
}
