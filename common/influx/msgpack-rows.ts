/** The heading of one result series of an InfluxQL answer; its rows go to the handler `open` returns for it. */
export interface SeriesHead { name?: string; tags?: Record<string, string>; columns: string[] }
/** Takes one row; the array is reused for the next row, so read it and do not keep it. */
export type RowSink = (row: readonly unknown[]) => void;

const text = new TextDecoder();

/**
 * Decodes the MessagePack bodies of an InfluxDB /query answer (one after another, as a chunked answer sends them),
 * handing each series' rows to `open(head)`'s handler as they are read instead of building an array per row: on a
 * report's 1.44 M points the per-row arrays, and the points then built from them, were about a third of the worker
 * threads' CPU with @msgpack/msgpack (bench/reports.ts profile). The bodies come back without their rows, for the
 * caller to check for errors. Every MessagePack type InfluxDB writes is read (extension types, which it does not
 * write with `epoch` set, are refused); test/influx-msgpack-rows.test.ts checks it against @msgpack/msgpack.
 */
export function decodeAnswers(bytes: Uint8Array, open: (head: SeriesHead) => RowSink): unknown[] {
  const reader = new Reader(bytes, open);
  const bodies: unknown[] = [];
  while (reader.pos < bytes.length) bodies.push(reader.value());
  return bodies;
}

class Reader {
  pos = 0;
  private readonly view: DataView;
  /** The last short string decoded: where its bytes are, and its text. */
  private last = { at: 0, length: -1, text: '' };

  constructor(private readonly bytes: Uint8Array, private readonly open: (head: SeriesHead) => RowSink) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  value(): unknown {
    const b = this.byte();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b <= 0x8f) return this.map(b & 0x0f);
    if (b <= 0x9f) return this.array(b & 0x0f);
    if (b <= 0xbf) return this.str(b & 0x1f);
    const v = this.view;
    const at = this.pos;
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bin(this.skip(1, v.getUint8(at)));
      case 0xc5: return this.bin(this.skip(2, v.getUint16(at)));
      case 0xc6: return this.bin(this.skip(4, v.getUint32(at)));
      case 0xca: return this.skip(4, v.getFloat32(at));
      case 0xcb: return this.skip(8, v.getFloat64(at));
      case 0xcc: return this.skip(1, v.getUint8(at));
      case 0xcd: return this.skip(2, v.getUint16(at));
      case 0xce: return this.skip(4, v.getUint32(at));
      // 64-bit integers as numbers (exact up to 2^53, as @msgpack/msgpack without useBigInt64); times in ms are far below.
      case 0xcf: return this.skip(8, v.getUint32(at) * 2 ** 32 + v.getUint32(at + 4));
      case 0xd0: return this.skip(1, v.getInt8(at));
      case 0xd1: return this.skip(2, v.getInt16(at));
      case 0xd2: return this.skip(4, v.getInt32(at));
      case 0xd3: return this.skip(8, v.getInt32(at) * 2 ** 32 + v.getUint32(at + 4));
      case 0xd9: return this.str(this.skip(1, v.getUint8(at)));
      case 0xda: return this.str(this.skip(2, v.getUint16(at)));
      case 0xdb: return this.str(this.skip(4, v.getUint32(at)));
      case 0xdc: return this.array(this.skip(2, v.getUint16(at)));
      case 0xdd: return this.array(this.skip(4, v.getUint32(at)));
      case 0xde: return this.map(this.skip(2, v.getUint16(at)));
      case 0xdf: return this.map(this.skip(4, v.getUint32(at)));
      default: throw new Error(`MessagePack type 0x${b.toString(16)} at byte ${at - 1} is not one an InfluxDB answer holds`);
    }
  }

  /** A map; in a series (a map with `columns` before `values`), the rows go to their handler as they are read. */
  private map(size: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < size; i++) {
      const key = String(this.value());
      if (key === 'values' && Array.isArray(out.columns) && this.arrayAhead()) {
        this.rows(this.open(out as unknown as SeriesHead), out.columns.length);
        out.values = [];
        continue;
      }
      // A key that would set the prototype is kept as a plain property.
      if (key === '__proto__') Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      else out[key] = this.value();
    }
    // Rows that came before their columns: handed over now, from the arrays read.
    if (Array.isArray(out.values) && out.values.length && Array.isArray(out.columns)) {
      const sink = this.open(out as unknown as SeriesHead);
      for (const row of out.values as unknown[][]) sink(row);
      out.values = [];
    }
    return out;
  }

  private rows(sink: RowSink, width: number): void {
    const count = this.arrayHeader();
    const row: unknown[] = new Array(width).fill(null);
    for (let r = 0; r < count; r++) {
      const cells = this.arrayHeader();
      for (let c = 0; c < cells; c++) row[c] = this.value();
      for (let c = cells; c < width; c++) row[c] = null;
      sink(row);
    }
  }

  private array(size: number): unknown[] {
    const out = new Array<unknown>(size);
    for (let i = 0; i < size; i++) out[i] = this.value();
    return out;
  }

  private arrayAhead(): boolean {
    const b = this.bytes[this.pos];
    return b !== undefined && ((b >= 0x90 && b <= 0x9f) || b === 0xdc || b === 0xdd);
  }

  private arrayHeader(): number {
    const b = this.byte();
    if (b >= 0x90 && b <= 0x9f) return b & 0x0f;
    const at = this.pos;
    if (b === 0xdc) return this.skip(2, this.view.getUint16(at));
    if (b === 0xdd) return this.skip(4, this.view.getUint32(at));
    throw new Error(`MessagePack: expected an array at byte ${at - 1}, found type 0x${b.toString(16)}`);
  }

  private str(length: number): string {
    const end = this.end(length);
    // A quality repeats on nearly every row ("good"): a short string with the bytes of the last one is not decoded again.
    if (length <= 16 && length === this.last.length && this.sameBytes(this.last.at, this.pos, length)) {
      this.pos = end;
      return this.last.text;
    }
    const s = text.decode(this.bytes.subarray(this.pos, end));
    if (length <= 16) this.last = { at: this.pos, length, text: s };
    this.pos = end;
    return s;
  }

  private sameBytes(a: number, b: number, length: number): boolean {
    for (let i = 0; i < length; i++) if (this.bytes[a + i] !== this.bytes[b + i]) return false;
    return true;
  }

  private bin(length: number): Uint8Array {
    const end = this.end(length);
    const out = this.bytes.slice(this.pos, end);
    this.pos = end;
    return out;
  }

  private byte(): number {
    const b = this.bytes[this.pos++];
    if (b === undefined) throw new RangeError('MessagePack answer ends in the middle of a value');
    return b;
  }

  /** Moves past a value's `size` bytes (DataView has already refused reading past the end) and returns `value`. */
  private skip<T>(size: number, value: T): T {
    this.pos += size;
    return value;
  }

  private end(length: number): number {
    const end = this.pos + length;
    if (end > this.bytes.length) throw new RangeError('MessagePack answer ends in the middle of a value');
    return end;
  }
}
