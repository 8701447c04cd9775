import { encodeFrame, locationBatchBody, locationBody, MSG, type Edition, type LocationInput } from '#app/jt808';
import type { Fix, SimMessage } from './terminal.js';
import { seedOf } from './random.js';

/** JT/T 808 additional items the simulated terminals send with every fix. */
function items(fix: Fix): LocationInput['items'] {
  const mileage = Buffer.alloc(4);
  mileage.writeUInt32BE(Math.round(fix.odometerKm * 10));
  return [
    { id: 0x01, value: mileage },
    { id: 0x30, value: Buffer.from([fix.valid ? 25 : 0]) },
    { id: 0x31, value: Buffer.from([Math.min(255, fix.satellites)]) },
  ];
}

export function fixToLocation(fix: Fix): LocationInput {
  return {
    alarm: fix.alarmFlags,
    status: fix.statusFlags,
    lat: fix.lat,
    lon: fix.lon,
    altitudeM: fix.altitudeM,
    speedKmh: fix.speedKmh,
    direction: fix.headingDeg,
    fixTime: fix.fixTime,
    items: items(fix),
  };
}

/** Half the simulated JT/T 808 fleet speaks the 2019 edition. */
export function jt808Edition(terminalId: string): Edition {
  return seedOf(terminalId, 'jt808-edition') % 2 === 0 ? 2013 : 2019;
}

/** What a simulated message becomes on a JT/T 808 link. */
export type Jt808Send =
  | { kind: 'message'; msgId: number; body: Buffer }
  /** Bytes written as they are (the misuse scenario's broken frames). */
  | { kind: 'raw'; bytes: Buffer }
  | { kind: 'none' };

/**
 * The JT/T 808 form of a simulated message: a fix is a 0x0200, a blind-area upload a 0x0704 of type 1 (long
 * ones go as sub-packets), a status message nothing (the link itself says it), and the misuse scenario's bad
 * messages their JT/T 808 equivalents: a wrong check code (CHECKSUM) for the truncated one, an impossible BCD
 * time (SCHEMA), lat 123.4, 0,0 with a fix, a time a year ahead.
 */
export function toJt808(message: SimMessage, phone: string, edition: Edition, serial: number): Jt808Send {
  if (message.kind === 'status') return { kind: 'none' };
  if (message.kind === 'positions') {
    const bodies = message.fixes.map((f) => locationBody(fixToLocation(f)));
    return { kind: 'message', msgId: MSG.LOCATION_BATCH, body: locationBatchBody(bodies, message.replay) };
  }
  if (!message.malformed) {
    const [fix] = message.fixes;
    return fix ? { kind: 'message', msgId: MSG.LOCATION, body: locationBody(fixToLocation(fix)) } : { kind: 'none' };
  }
  const base: LocationInput = { lat: 33.96, lon: 118.33, fixTime: message.sentAt, status: 0x2 };
  switch (message.malformed) {
    case 'MALFORMED': {
      const frame = encodeFrame({ msgId: MSG.LOCATION, edition, phone, serial, body: locationBody(base) });
      frame[frame.length - 2] = frame[frame.length - 2] === 0x00 ? 0x01 : 0x00;
      return { kind: 'raw', bytes: frame };
    }
    case 'SCHEMA': {
      const body = locationBody(base);
      body.fill(0x99, 22, 28); // 99-99-99 99:99:99 is no time
      return { kind: 'message', msgId: MSG.LOCATION, body };
    }
    case 'OUT_OF_RANGE':
      return { kind: 'message', msgId: MSG.LOCATION, body: locationBody({ ...base, lat: 123.4 }) };
    case 'NULL_ISLAND':
      return { kind: 'message', msgId: MSG.LOCATION, body: locationBody({ ...base, lat: 0, lon: 0 }) };
    case 'FUTURE':
      return {
        kind: 'message',
        msgId: MSG.LOCATION,
        body: locationBody({ ...base, fixTime: message.sentAt + 365 * 86_400_000 }),
      };
  }
}
