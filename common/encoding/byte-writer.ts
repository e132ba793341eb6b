/**
 * Text written straight into a growing buffer as UTF-8. For the hot paths that emit a line per reading (ingest's
 * line protocol, a report's canonical serialisation): building each line as a string, joining and encoding them
 * cost more than InfluxDB's parsing of them. Short ASCII pieces are copied byte by byte, cheaper than a native
 * call each.
 */
export class ByteWriter {
  private buf: Buffer;
  private at = 0;

  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
  }

  get length(): number {
    return this.at;
  }

  /** Text known to be ASCII: digits, identifiers, fixed words. */
  ascii(text: string): this {
    this.room(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.at + i] = text.charCodeAt(i);
    this.at += text.length;
    return this;
  }

  utf8(text: string): this {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.room(text.length * 3);
    this.at += this.buf.write(text, this.at, 'utf8');
    return this;
  }

  /** `ascii` where the text is, `utf8` otherwise. */
  text(text: string, isAscii: boolean): this {
    return isAscii ? this.ascii(text) : this.utf8(text);
  }

  /** Bytes already encoded (a prefix written many times): one native copy. */
  raw(bytes: Uint8Array): this {
    this.room(bytes.length);
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
    return this;
  }

  byte(value: number): this {
    this.room(1);
    this.buf[this.at++] = value;
    return this;
  }

  /** A non-negative integer in base 10, as String(n) writes it; split at 10^8 so the digit loops stay in small integers. */
  digits(n: number): this {
    this.room(16);
    if (n >= 1e8) {
      const high = Math.floor(n / 1e8);
      this.small(high);
      let low = n - high * 1e8;
      for (let i = this.at + 7; i >= this.at; i--) {
        const next = (low / 10) | 0;
        this.buf[i] = 0x30 + low - next * 10;
        low = next;
      }
      this.at += 8;
    } else this.small(n);
    return this;
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  private small(n: number): void {
    let count = 1;
    for (let rest = n; rest >= 10; rest = (rest / 10) | 0) count++;
    for (let i = this.at + count - 1, rest = n; i >= this.at; i--) {
      const next = (rest / 10) | 0;
      this.buf[i] = 0x30 + rest - next * 10;
      rest = next;
    }
    this.at += count;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }
}

export const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text);
