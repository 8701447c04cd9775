import { judgePosition, type PositionRecord, type RejectionReason } from '#app/telemetry';
import { STATUS } from './ids.js';
import type { Location } from './messages.js';

export type Mapped = { ok: true; position: PositionRecord } | { ok: false; reason: RejectionReason; detail: string };

/** Named additional items (terminal-jt808.md); any other item is kept under `extra.items` by its hex id. */
const SPEED_MAX_DKMH = 10_000;

/**
 * A decoded location → the MQTT contract's Position, judged by the same checks (range, null island, future,
 * too old). Pure.
 */
export function locationToPosition(
  location: Location,
  terminalId: string,
  receivedAt: number,
  replay: boolean,
): Mapped {
  if (location.fixTime === null) {
    return { ok: false, reason: 'SCHEMA', detail: `time ${location.timeDigits} is not a BCD YYMMDDhhmmss time` };
  }
  if (location.speedDkmh > SPEED_MAX_DKMH) {
    return { ok: false, reason: 'SCHEMA', detail: `speed ${location.speedDkmh / 10} km/h is over 1000` };
  }
  if (location.direction > 359) {
    return { ok: false, reason: 'SCHEMA', detail: `direction ${location.direction} is not within 0…359` };
  }
  const { status } = location;
  let odometerKm: number | null = null;
  let satellites: number | null = null;
  let extra: Record<string, unknown> | null = null;
  const put = (key: string, value: unknown) => {
    extra ??= {};
    extra[key] = value;
  };
  for (const { id, value } of location.items) {
    if (id === 0x01 && value.length === 4) odometerKm = value.readUInt32BE(0) / 10;
    else if (id === 0x02 && value.length === 2) put('fuelL', value.readUInt16BE(0) / 10);
    else if (id === 0x03 && value.length === 2) put('tachographSpeedKmh', value.readUInt16BE(0) / 10);
    else if (id === 0x30 && value.length === 1) put('signal', value[0]);
    else if (id === 0x31 && value.length === 1) satellites = value[0];
    else {
      // Kept as sent, never a reason to reject.
      const items = ((extra ??= {}).items ??= {}) as Record<string, string>;
      items[`0x${id.toString(16).padStart(2, '0')}`] = value.toString('hex');
    }
  }
  const position: PositionRecord = {
    terminalId,
    fixTime: location.fixTime,
    receivedAt,
    lat: (location.latE6 / 1e6) * (status & STATUS.SOUTH ? -1 : 1),
    lon: (location.lonE6 / 1e6) * (status & STATUS.WEST ? -1 : 1),
    speedKmh: location.speedDkmh / 10,
    headingDeg: location.direction,
    altitudeM: location.altitudeM,
    satellites,
    hdop: null,
    valid: (status & STATUS.POSITIONED) !== 0,
    ignition: (status & STATUS.ACC) !== 0,
    alarmFlags: location.alarm,
    statusFlags: status,
    odometerKm,
    seq: null,
    replay,
    extra,
  };
  const judged = judgePosition(position);
  return judged.ok ? { ok: true, position } : judged;
}
