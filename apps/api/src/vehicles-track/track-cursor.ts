import { BadRequestException } from '@nestjs/common';
import type { TrackPosition } from './track-rows.js';

/**
 * A page's `next`: the last fix it holds (fix time in microseconds and terminal), opaque to clients. The next
 * page starts after that fix in (fix time, terminal) order, so no fix is served twice or skipped, and a fix
 * stored meanwhile (a blind-area re-upload) appears on a later page when its time is still ahead of the cursor.
 */
export function encodeCursor(position: TrackPosition): string {
  return Buffer.from(`${position.timeUs}.${position.terminalId}`, 'utf8').toString('base64url');
}

const CURSOR_MESSAGE = 'after must be the next value of an earlier answer of this endpoint';

export function decodeCursor(cursor: string): TrackPosition {
  const text = /^[A-Za-z0-9_-]{3,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^(\d{1,17})\.([A-Za-z0-9_-]{1,32})$/.exec(text);
  if (!match) throw new BadRequestException([CURSOR_MESSAGE]);
  return { timeUs: Number(match[1]), terminalId: match[2] };
}
