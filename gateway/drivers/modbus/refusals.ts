import { registerCount } from './codec.js';
import type { Backoff } from './backoff.js';
import type { ReadRequest } from './plan.js';

/**
 * Exception responses that say "this address (range) is not there" rather than "not now" (Modbus application
 * protocol §7: 02 ILLEGAL DATA ADDRESS, 03 ILLEGAL DATA VALUE, the latter also for a quantity the device does not
 * take). One missing address refuses the whole coalesced read, so such a read is split to find it (issue #12).
 */
const REFUSAL_NAMES = new Map([[0x02, 'illegal data address'], [0x03, 'illegal data value']]);

export function isRefusal(exception: number | undefined): exception is number {
  return exception !== undefined && REFUSAL_NAMES.has(exception);
}

export function refusalName(exception: number): string {
  return REFUSAL_NAMES.get(exception) ?? `exception ${exception}`;
}

/** Longest wait before asking a refused address again: it is most likely a wrong address in the configuration. */
export const MAX_REFUSAL_WAIT_MS = 600_000;

/** One planned read; a refused single-parameter read is asked again only when its backoff is over. */
export interface PlanEntry {
  request: ReadRequest;
  refusal?: { retry: Backoff };
}

/** The two halves of a block's parameters, each read over its own span. */
function halves(r: ReadRequest): [ReadRequest, ReadRequest] {
  const mid = Math.ceil(r.parameters.length / 2);
  return [spanOf(r, r.parameters.slice(0, mid)), spanOf(r, r.parameters.slice(mid))];
}

function spanOf(r: ReadRequest, parameters: ReadRequest['parameters']): ReadRequest {
  const address = Math.min(...parameters.map((p) => p.address));
  const end = Math.max(...parameters.map((p) => p.address + registerCount(p)));
  return { unitId: r.unitId, table: r.table, address, length: end - address, parameters };
}

/** The part name of a refused address in the device state: the address as configured, and the unit when not the device's own. */
export function partOf(r: ReadRequest, deviceUnitId: number): string {
  return `${r.unitId === deviceUnitId ? '' : `unit ${r.unitId} `}${r.table} ${r.address}`;
}

type SplitRead = (r: ReadRequest) => Promise<{ values: number[] | boolean[] } | { exception: number | undefined }>;

/**
 * Binary split of a refused block: reads each half; a refused half with several parameters is split again,
 * a refused single parameter is a leaf (`onRefused`). Halves that answer, or fail otherwise (timeout), stay as
 * reads of their own, so the split is remembered in the plan and not repeated every poll.
 */
export async function splitRefused(r: ReadRequest, read: SplitRead, onRefused: (leaf: ReadRequest, exception: number) => PlanEntry):
  Promise<{ entry: PlanEntry; values?: number[] | boolean[] }[]> {
  const out: { entry: PlanEntry; values?: number[] | boolean[] }[] = [];
  for (const half of halves(r)) {
    const outcome = await read(half);
    if ('values' in outcome) out.push({ entry: { request: half }, values: outcome.values });
    else if (!isRefusal(outcome.exception)) out.push({ entry: { request: half } });
    else if (half.parameters.length > 1) out.push(...await splitRefused(half, read, onRefused));
    else out.push({ entry: onRefused(half, outcome.exception) });
  }
  return out;
}
