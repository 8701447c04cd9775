import type { RejectionReason } from './reasons.js';

/** A validated position, in the units of the positions table. */
export interface PositionRecord {
  terminalId: string;
  /** Epoch milliseconds of the GNSS fix. */
  fixTime: number;
  /** Epoch milliseconds at which the platform received the message. */
  receivedAt: number;
  lat: number;
  lon: number;
  speedKmh: number | null;
  headingDeg: number | null;
  altitudeM: number | null;
  satellites: number | null;
  hdop: number | null;
  valid: boolean;
  ignition: boolean | null;
  alarmFlags: number | null;
  statusFlags: number | null;
  odometerKm: number | null;
  seq: number | null;
  /** Blind-area re-upload. */
  replay: boolean;
  /** Fields the contract does not name, kept out of the typed columns. */
  extra: Record<string, unknown> | null;
}

export interface Rejection {
  reason: RejectionReason;
  /** Human-readable, names the offending field or item. */
  detail: string;
  /** The terminal id when the topic names a well-formed one. */
  terminalId: string | null;
  /** The raw bytes rejected: the whole message, or the one item of a batch. */
  payload: Buffer;
}

export type MessageKind = 'position' | 'positions' | 'status';

export interface DecodedMessage {
  /** Null when the topic does not name a well-formed terminal id. */
  terminalId: string | null;
  kind: MessageKind | null;
  positions: PositionRecord[];
  rejections: Rejection[];
  /** Set for a status message that was understood. */
  online?: boolean;
}
