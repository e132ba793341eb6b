import { decode, decodeMulti, encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { decodeAnswers, type SeriesHead } from '../common/influx/msgpack-rows.js';

/** Decodes with decodeAnswers and puts every series' rows back where they were, to compare with @msgpack/msgpack. */
function roundTrip(bytes: Uint8Array): unknown[] {
  const delivered: { head: SeriesHead; rows: unknown[][] }[] = [];
  const bodies = decodeAnswers(bytes, (head) => {
    const entry = { head, rows: [] as unknown[][] };
    delivered.push(entry);
    return (row) => entry.rows.push([...row]);
  });
  for (const { head, rows } of delivered) (head as unknown as { values: unknown[][] }).values = rows;
  return bodies;
}

const answer = (series: object[]) => ({ results: [{ statement_id: 0, series, partial: true }] });

describe('decodeAnswers (InfluxDB MessagePack answers without an array per row)', () => {
  it('reads every MessagePack type InfluxDB writes exactly as @msgpack/msgpack does', () => {
    const values = [
      0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 1_767_225_600_000, Number.MAX_SAFE_INTEGER,
      -1, -32, -33, -128, -129, -32_768, -32_769, -(2 ** 31), -(2 ** 31) - 1, -1_767_225_600_000,
      0.5, -1.25, 151.37000000000001, 1e-7, 1e21, Number.MIN_VALUE, null, true, false,
      '', 'good', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(255), 'w'.repeat(256), 'v'.repeat(70_000), '温度 "quoted" \\ ,=',
      new Uint8Array([1, 2, 3]), new Uint8Array(300), [], Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 70_000 }, (_, i) => i % 3),
      {}, Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i])), { nested: { deeper: [{ a: [1, { b: null }] }] } },
    ];
    const bytes = encode({ results: [{ statement_id: 0, series: [{ name: 'reading', tags: { site: 's' }, columns: ['time', 'v'], values: values.map((v, i) => [i, v]) }] }], extra: values });
    expect(roundTrip(bytes)).toEqual([decode(bytes, { useBigInt64: false })]);
  });

  it('reads repeated short strings, and others of the same length, each as written (the quality of every row)', () => {
    const qualities = ['good', 'good', 'bad', 'good', 'goof', 'good', 'uncertain', 'uncertain', 'uncertaim', '', '', 'x'.repeat(16), 'x'.repeat(16), 'x'.repeat(15) + 'y', 'x'.repeat(17), 'x'.repeat(17), '温度', '温度', '温庋'];
    const bytes = encode(answer([{ name: 'reading', columns: ['time', 'quality'], values: qualities.map((q, i) => [i, q]) }]));
    const read: unknown[] = [];
    decodeAnswers(bytes, () => (row) => read.push(row[1]));
    expect(read).toEqual(qualities);
  });

  it('reads float32 values and 64-bit integers written as such', () => {
    const bytes = encode({ f: [0.5, 1.75, -3.5], big: [BigInt(1_767_225_600_000), BigInt(-1_767_225_600_000), BigInt(2 ** 40)] }, { forceFloat32: true, useBigInt64: true });
    expect(roundTrip(bytes)).toEqual([{ f: [0.5, 1.75, -3.5], big: [1_767_225_600_000, -1_767_225_600_000, 2 ** 40] }]);
  });

  it('hands over the rows of several series and chunks, in order, with their heads, and returns the bodies without them', () => {
    const chunks = [
      answer([{ name: 'reading', tags: { site: 'a' }, columns: ['time', 'value'], values: [[1, 1.5], [2, 2.5]] }]),
      answer([{ name: 'reading', tags: { site: 'a' }, columns: ['time', 'value'], values: [[3, null]] }, { name: 'reading', tags: { site: 'b' }, columns: ['time', 'value'], values: [[1, 7]] }]),
      { results: [{ statement_id: 0 }] },
    ];
    const bytes = Buffer.concat(chunks.map((c) => encode(c)));
    const seen: string[] = [];
    const bodies = decodeAnswers(bytes, (head) => (row) => seen.push(`${head.tags?.site}:${row.join('/')}`));
    expect(seen).toEqual(['a:1/1.5', 'a:2/2.5', 'a:3/', 'b:1/7']);
    expect(bodies).toHaveLength(3);
    expect((bodies[0] as ReturnType<typeof answer>).results[0]!.series[0]).toEqual({ name: 'reading', tags: { site: 'a' }, columns: ['time', 'value'], values: [] });
    expect(roundTrip(bytes)).toEqual([...decodeMulti(bytes, { useBigInt64: false })]);
  });

  it('hands over rows that come before their columns, and pads short rows with null', () => {
    const bytes = encode({ values: [[1, 2, 3], [4]], columns: ['time', 'a', 'b'], name: 'reading' });
    const rows: unknown[][] = [];
    decodeAnswers(bytes, () => (row) => rows.push([...row]));
    expect(rows).toEqual([[1, 2, 3], [4]]);
    const streamed = encode({ columns: ['time', 'a', 'b'], values: [[1, 2, 3], [4]] });
    const padded: unknown[][] = [];
    decodeAnswers(streamed, () => (row) => padded.push([...row]));
    expect(padded).toEqual([[1, 2, 3], [4, null, null]]);
  });

  it('refuses a truncated answer and an extension type with the byte where it happened', () => {
    const bytes = encode(answer([{ name: 'reading', columns: ['time', 'value'], values: [[1, 151.25]] }]));
    for (let cut = 1; cut < bytes.length; cut++) expect(() => decodeAnswers(bytes.subarray(0, cut), () => () => undefined)).toThrow(/ends in the middle|expected an array|Offset is outside|out of bounds/);
    expect(() => decodeAnswers(encode({ t: new Date(0) }), () => () => undefined)).toThrow(/type 0xd6 at byte 3/);
  });
});
