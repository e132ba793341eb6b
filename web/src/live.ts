import { get } from './api.js';
import type { Equipment, HistoryBody, StatusEvent, ValuesEvent } from './types.js';

export interface LiveState {
  status: string;
  values: Record<string, number | null | undefined>;
}

export const initialState = (e: Equipment): LiveState => ({ status: e.status, values: {} });

export const applyStatus = (state: LiveState, event: StatusEvent): LiveState => ({ ...state, status: event.status });

/** Numeric latest values from a "values" event of the status stream (others show as "—"). */
export const applyValues = (state: LiveState, event: ValuesEvent): LiveState => ({
  ...state,
  values: Object.fromEntries(Object.entries(event.values).map(([p, r]) => [p, typeof r.v === 'number' ? r.v : null])),
});

const WINDOW_MS = 60_000;

/**
 * Latest value of each numeric parameter: the `last` of one aggregate bucket over the past minute.
 * Going through the history API keeps tenancy (a customer sees values only inside their own runs).
 */
export async function latestValues(e: Equipment, parameters: string[]): Promise<Record<string, number | null>> {
  if (!parameters.length) return {};
  const now = Date.now();
  const q = new URLSearchParams({
    parameter: parameters.join(','), mode: 'aggregate', functions: 'last', interval: '1d',
    from: new Date(now - WINDOW_MS).toISOString(), to: new Date(now).toISOString(),
  });
  const body = await get<HistoryBody>(`/api/v1/equipment/${encodeURIComponent(e.id)}/history?${q}`);
  if (body.mode !== 'aggregate') return {};
  return Object.fromEntries(body.series.map((s) => [s.parameter, s.rows.at(-1)?.last ?? null]));
}

/** Calls `tick` now and then every `ms` until stopped; a slow answer never overlaps the next call. */
export function every(ms: number, tick: () => Promise<void>): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const loop = async () => {
    await tick().catch(() => undefined);
    if (!stopped) timer = setTimeout(() => void loop(), ms);
  };
  void loop();
  return () => { stopped = true; clearTimeout(timer); };
}
