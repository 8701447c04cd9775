import iconv from 'iconv-lite';

/** JT/T 808 strings are GBK; fixed-width fields are padded with NUL (some terminals pad with spaces). */
export function decodeGbk(bytes: Uint8Array): string {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, end), 'gbk').trimEnd();
}

export function encodeGbk(text: string): Buffer {
  return iconv.encode(text, 'gbk');
}

/** A fixed-width field: GBK, right-padded with NUL, cut to `length`. */
export function encodeGbkFixed(text: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  encodeGbk(text).copy(out, 0, 0, length);
  return out;
}
