import { describe, expect, it } from 'vitest';
import { ReadingBatch } from '../common/contracts/index.js';
import { batchValidator } from '../ingest/batch-validator.js';

const reading = (extra: Record<string, unknown> = {}) => ({ p: 'inlet_temp', v: 181.5, t: 1_767_225_600_000, ...extra });
const batch = (readings: unknown[], extra: Record<string, unknown> = {}) => ({ gateway: 'gw-hall-a', seq: 7, readings, ...extra });

/** Each case with what the contract says of it; ajv's compiled form and zod must both say the same. */
const corpus: [string, unknown, boolean][] = [
  ['a number reading', batch([reading()]), true],
  ['a bool, a string and an integer reading', batch([reading({ v: true }), reading({ v: 'RUN' }), reading({ v: 3 })]), true],
  ['every quality', batch(['good', 'uncertain', 'bad'].map((q) => reading({ q }))), true],
  ['null value with quality bad', batch([reading({ v: null, q: 'bad' })]), true],
  ['null value without quality', batch([reading({ v: null })]), false],
  ['null value with quality good', batch([reading({ v: null, q: 'good' })]), false],
  ['null value with quality uncertain', batch([reading({ v: null, q: 'uncertain' })]), false],
  ['unknown quality', batch([reading({ q: 'excellent' })]), false],
  ['unknown key in a reading', batch([reading({ quality: 'bad' })]), false],
  ['unknown key in the batch', batch([reading()], { site: 'x' }), false],
  ['missing parameter', batch([{ v: 1, t: 1 }]), false],
  ['missing value', batch([{ p: 'a', t: 1 }]), false],
  ['missing time', batch([{ p: 'a', v: 1 }]), false],
  ['upper-case parameter id', batch([reading({ p: 'Inlet' })]), false],
  ['parameter id with a topic separator', batch([reading({ p: 'a/b' })]), false],
  ['parameter id with a wildcard', batch([reading({ p: 'a+' })]), false],
  ['parameter id of 64 characters', batch([reading({ p: 'a'.repeat(64) })]), true],
  ['parameter id of 65 characters', batch([reading({ p: 'a'.repeat(65) })]), false],
  ['negative time', batch([reading({ t: -1 })]), false],
  ['fractional time', batch([reading({ t: 1.5 })]), false],
  ['time as a string', batch([reading({ t: '2026-01-01T00:00:00Z' })]), false],
  ['time beyond safe integers', batch([reading({ t: 2 ** 60 })]), false],
  ['value as an array', batch([reading({ v: [1] })]), false],
  ['value as an object', batch([reading({ v: { x: 1 } })]), false],
  ['string value of 1024 characters', batch([reading({ v: 'x'.repeat(1024) })]), true],
  ['string value of 1025 characters', batch([reading({ v: 'x'.repeat(1025) })]), false],
  // Lengths count code points: 600 emoji are 1200 UTF-16 units but 600 characters.
  ['string value of 600 emoji', batch([reading({ v: '😀'.repeat(600) })]), true],
  ['string value of 1025 emoji', batch([reading({ v: '😀'.repeat(1025) })]), false],
  ['negative sequence number', batch([reading()], { seq: -1 }), false],
  ['fractional sequence number', batch([reading()], { seq: 1.5 }), false],
  ['missing gateway', { seq: 1, readings: [reading()] }, false],
  ['bad gateway id', batch([reading()], { gateway: 'GW 1' }), false],
  ['no readings', batch([]), false],
  ['10 000 readings', batch(Array.from({ length: 10_000 }, () => reading())), true],
  ['10 001 readings', batch(Array.from({ length: 10_001 }, () => reading())), false],
  ['readings not an array', batch({ 0: reading() } as never), false],
  ['an array', [reading()], false],
  ['null', null, false],
  ['a string', 'readings', false],
  ['a number', 42, false],
];

describe('ingest batch validator (zod contract compiled by ajv)', () => {
  const validate = batchValidator();

  it.each(corpus)('agrees with zod and the contract: %s', (_name, payload, valid) => {
    const checked = validate(payload);
    const zod = ReadingBatch.safeParse(payload);
    expect(zod.success).toBe(valid);
    expect(checked.ok).toBe(valid);
    if (!checked.ok && !zod.success) {
      expect(checked.path).toBe(zod.error.issues[0]!.path.join('.') || '(root)');
      expect(checked.message).toBe(zod.error.issues[0]!.message);
    }
  });

  it('hands back the batch as it came, without a copy', () => {
    const payload = batch([reading()]);
    const checked = validate(payload);
    expect(checked.ok && checked.batch).toBe(payload);
  });
});
