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
    return { error: 'array values are not supported; configure one node per element' };
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
 */
export function toReading(id: string, dv: DataValueLike, datatype: Datatype, now: number): { reading: Reading; error?: string } {
  const t = (dv.sourceTimestamp ?? dv.serverTimestamp)?.getTime() ?? now;
  const q = qualityOf(dv.statusCode?.value ?? 0);
  if (q === 'bad') return { reading: { p: id, v: null, t, q } };
  const converted = convertValue(dv.value?.value, datatype);
  if ('error' in converted) return { reading: { p: id, v: null, t, q: 'bad' }, error: converted.error };
  return { reading: q === 'good' ? { p: id, v: converted.v, t } : { p: id, v: converted.v, t, q } };
}

/**
 * Keeps each parameter's readings in time order. A value delivered again (after a reconnect, or
 * when a subscription is recreated) keeps its old source time: the same reading twice is dropped,
 * and a value older than what was already published (e.g. the "bad" readings of the outage) is
 * stamped with the current time, meaning "this is the value now".
 */
export class TimeOrder {
  private readonly last = new Map<string, { t: number; v: Reading['v'] }>();

  admit(reading: Reading, now: number): Reading | undefined {
    const previous = this.last.get(reading.p);
    let out = reading;
    if (previous && reading.t <= previous.t) {
      if (reading.t === previous.t && reading.v === previous.v) return undefined;
      out = { ...reading, t: Math.max(now, previous.t + 1) };
    }
    this.last.set(out.p, { t: out.t, v: out.v });
    return out;
  }
}
