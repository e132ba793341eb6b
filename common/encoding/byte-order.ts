/**
 * Byte and word orders of multi-register Modbus values, named by where the bytes of the big-endian
 * value A B C D land on the wire. Devices differ and their manuals say which: it is configuration.
 */
export type ByteOrder = 'ABCD' | 'BADC' | 'CDAB' | 'DCBA';

/**
 * Converts between wire order and big-endian ABCD. BADC swaps the bytes of each word, CDAB reverses
 * the word order, DCBA does both; each is its own inverse, so the same call encodes and decodes.
 */
export function reorderBytes(buf: Buffer, order: ByteOrder): Buffer {
  const out = Buffer.from(buf);
  if (order === 'BADC' || order === 'DCBA') out.swap16();
  if (order === 'CDAB' || order === 'DCBA') {
    const words = out.length / 2;
    const copy = Buffer.from(out);
    for (let i = 0; i < words; i++) copy.copy(out, (words - 1 - i) * 2, i * 2, i * 2 + 2);
  }
  return out;
}
