const encoder = new TextEncoder();
const MINUS = 45;
const ZERO = 48;

/**
 * JSON text written straight into bytes. A track is mostly small integers; writing their digits into a
 * buffer costs a fraction of building a string from hundreds of thousands of pieces (each `+=` an object
 * for the garbage collector, then a copy to turn the string into bytes for the socket).
 */
export class JsonBytes {
  private buf: Uint8Array;
  private length = 0;

  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + bytes));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }

  /** Text as it is (JSON punctuation, keys, numbers already formatted). */
  raw(text: string): this {
    const n = text.length;
    this.room(n * 3);
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 127) {
        at += encoder.encodeInto(text.slice(i), buf.subarray(at)).written;
        this.length = at;
        return this;
      }
      buf[at++] = c;
    }
    this.length = at;
    return this;
  }

  /** One ASCII character by its code (`,` is 44). */
  char(code: number): this {
    this.room(1);
    this.buf[this.length++] = code;
    return this;
  }

  /** A whole number (|v| < 2^53). */
  int(v: number): this {
    this.room(17);
    const buf = this.buf;
    if (v < 0) {
      buf[this.length++] = MINUS;
      v = -v;
    }
    let digits = 1;
    for (let rest = v; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let at = this.length + digits;
    this.length = at;
    do {
      const next = Math.floor(v / 10);
      buf[--at] = ZERO + (v - next * 10);
      v = next;
    } while (v > 0);
    return this;
  }

  /** The bytes written so far; the writer starts empty again (the bytes returned are not touched again). */
  take(): Uint8Array {
    const bytes = this.buf.subarray(0, this.length);
    this.buf = new Uint8Array(this.buf.length);
    this.length = 0;
    return bytes;
  }

  get size(): number {
    return this.length;
  }
}
