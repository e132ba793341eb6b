import type { Datatype, Quality, Reading } from '../../../common/contracts/index.js';

/** The parts of a node-opcua DataValue this module needs; kept structural so it is testable without the stack. */
export interface DataValueLike {
  value?: { value: unknown; arrayType?: number } | null;
  statusCode?: { value: number } | null;
  sourceTimestamp?: Date | null;
  serverTimestamp?: Date | null;
}

/** OPC UA Part 4 §7.39 (StatusCode): bits 30-31 are the severity, 00 Good, 01 Uncertain, 10/11 Bad. */
export function qualityOf(statusCode: number): Quality {
  const severity = statusCode >>> 30;
  return severity === 0 ? 'good' : severity === 1 ? 'uncertain' : 'bad';
}

const TWO_32 = 4_294_967_296;

/**
 * Converts a node value to the parameter's published datatype, or returns an error message.
 * node-opcua hands 64-bit integers over as [high, low] 32-bit words.
 */
export function convertValue(raw: unknown, datatype: Datatype): { v: string | number | boolean } | { error: string } {
  let value = raw;
  if (Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === 'number')) {
    value = (value[0] as number) * TWO_32 + (value[1] as number);
  } else if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return { error: 'the node holds an array; set indexRange to the element to publish' };
  }
  if (value instanceof Date) value = datatype === 'string' ? value.toISOString() : value.getTime();
  if (typeof value === 'object' && value !== null && 'text' in value) value = (value as { text: unknown }).text ?? ''; // LocalizedText
  switch (datatype) {
    case 'number':
      if (typeof value === 'number') return Number.isFinite(value) ? { v: value } : { error: `value ${value} is not a finite number` };
      if (typeof value === 'boolean') return { v: value ? 1 : 0 };
      return { error: `a ${typeof value} value cannot be published as a number; set datatype: ${typeof value === 'string' ? 'string' : 'number'}` };
    case 'boolean':
      if (typeof value === 'boolean') return { v: value };
      if (typeof value === 'number') return { v: value !== 0 };
      return { error: `a ${typeof value} value cannot be published as a boolean` };
    case 'string':
      if (value === null || value === undefined) return { error: 'the node has no value' };
      return { v: String(value).slice(0, 1024) };
  }
}

/**
 * Turns a data value into a reading at its source time (server time when the server sends none).
 * Bad status codes carry no usable value (Part 4 §7.39), so they become `v: null, q: "bad"`.
 * `element`: the value was read with an indexRange, so it is an array (or matrix) of the one element asked for.
 */
export function toReading(id: string, dv: DataValueLike, datatype: Datatype, now: number, element = false): { reading: Reading; error?: string } {
  const t = (dv.sourceTimestamp ?? dv.serverTimestamp)?.getTime() ?? now;
  const q = qualityOf(dv.statusCode?.value ?? 0);
  if (q === 'bad') return { reading: { p: id, v: null, t, q } };
  const raw = dv.value?.value;
  const single = element && (Array.isArray(raw) || ArrayBuffer.isView(raw)) && (raw as ArrayLike<unknown>).length === 1;
  const converted = convertValue(single ? (raw as ArrayLike<unknown>)[0] : raw, datatype);
  if ('error' in converted) return { reading: { p: id, v: null, t, q: 'bad' }, error: converted.error };
  return { reading: q === 'good' ? { p: id, v: converted.v, t } : { p: id, v: converted.v, t, q } };
}

/**
 * Keeps each parameter's readings in time order. A value delivered again (after a reconnect, or
 * when a subscription is recreated) keeps its old source time: a value equal to the last one published
 * (same quality) at a time at least as late is dropped, and another value older than what was already
 * published (e.g. the "bad" readings of the outage) is stamped with the current time, meaning "this is the value now".
 */
export class TimeOrder {
  private readonly last = new Map<string, Reading>();

  admit(reading: Reading, now: number): Reading | undefined {
    const previous = this.last.get(reading.p);
    let out = reading;
    if (previous && reading.t <= previous.t) {
      // Nothing new: the same value (and quality) is already published for a time at least as late.
      if (reading.v === previous.v && reading.q === previous.q) return undefined;
      out = { ...reading, t: Math.max(now, previous.t + 1) };
    }
    this.last.set(out.p, out);
    return out;
  }

  /**
   * The last value of each of `ids` again, stamped `now`, with its quality and marked `r: true` (issue #12): a value
   * that never changes is otherwise stored once, at its old source time, and missing from every later window.
   */
  repeats(ids: Iterable<string>, now: number): Reading[] {
    const out: Reading[] = [];
    for (const id of ids) {
      const last = this.last.get(id);
      if (!last) continue;
      // Later than the last reading even when that was stamped now (a value re-read at a reconnect), so it is kept.
      const t = Math.max(now, last.t + 1);
      out.push(this.admit(last.q ? { p: id, v: last.v, t, q: last.q, r: true } : { p: id, v: last.v, t, r: true }, now)!);
    }
    return out;
  }
}
