/** Packed BCD: two decimal digits a byte, high nibble first. */

/** The digits of a BCD field; null when a nibble is not a decimal digit. */
export function bcdToDigits(bytes: Uint8Array): string | null {
  let out = '';
  for (const byte of bytes) {
    const hi = byte >> 4;
    const lo = byte & 0x0f;
    if (hi > 9 || lo > 9) return null;
    out += String.fromCharCode(48 + hi, 48 + lo);
  }
  return out;
}

/** Digits → BCD of `length` bytes, left-padded with zeros. */
export function digitsToBcd(digits: string, length: number): Buffer {
  if (!/^\d*$/.test(digits) || digits.length > length * 2) {
    throw new RangeError(`"${digits}" does not fit ${length} BCD bytes`);
  }
  const padded = digits.padStart(length * 2, '0');
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++)
    out[i] = ((padded.charCodeAt(2 * i) - 48) << 4) | (padded.charCodeAt(2 * i + 1) - 48);
  return out;
}

/** China Standard Time has had no daylight saving since 1991: a fixed +8 h. */
const GMT8_MS = 8 * 3_600_000;

/**
 * BCD[6] `YYMMDDhhmmss` in GMT+8 → epoch ms (UTC). Years are 2000–2099. Null for digits that are not a real
 * calendar time (month 13, 31 February, hour 24 …).
 */
export function bcdTimeToUtc(bytes: Uint8Array): number | null {
  const digits = bcdToDigits(bytes);
  if (digits === null || digits.length !== 12) return null;
  const [yy, mo, dd, hh, mi, ss] = [0, 2, 4, 6, 8, 10].map((i) => Number(digits.slice(i, i + 2)));
  const year = 2000 + yy;
  if (mo < 1 || mo > 12 || dd < 1 || hh > 23 || mi > 59 || ss > 59) return null;
  const local = Date.UTC(year, mo - 1, dd, hh, mi, ss);
  if (new Date(local).getUTCDate() !== dd) return null;
  return local - GMT8_MS;
}

/** Epoch ms → BCD[6] `YYMMDDhhmmss` in GMT+8 (what a terminal sends). */
export function utcToBcdTime(ms: number): Buffer {
  const d = new Date(ms + GMT8_MS);
  const two = (n: number) => String(n).padStart(2, '0');
  return digitsToBcd(
    two(d.getUTCFullYear() % 100) +
      two(d.getUTCMonth() + 1) +
      two(d.getUTCDate()) +
      two(d.getUTCHours()) +
      two(d.getUTCMinutes()) +
      two(d.getUTCSeconds()),
    6,
  );
}
