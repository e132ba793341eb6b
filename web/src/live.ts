import { get } from './api.js';
import { formatDateTime } from '../../common/i18n/format.js';
import { h } from './dom.js';
import { locale, t } from './i18n.js';
import type { Equipment, HistoryBody, StatusEvent, ValuesEvent } from './types.js';

export interface LiveState {
  status: string;
  values: Record<string, number | boolean | string | null | undefined>;
  /** Time of the newest good reading (epoch ms): what "updated" on the board says; null before any. */
  updatedAt: number | null;
  offline: Equipment['offline'];
}

export const initialState = (e: Equipment): LiveState => ({ status: e.status, values: {}, updatedAt: e.lastSeen, offline: e.offline });

export const applyStatus = (state: LiveState, event: StatusEvent): LiveState => ({ ...state, status: event.status, offline: event.offline ?? null });

/** Latest values from a "values" event of the status stream; the newest good reading moves "updated". */
export const applyValues = (state: LiveState, event: ValuesEvent): LiveState => {
  const readings = Object.values(event.values).filter((r) => r.q === 'good');
  const newest = readings.length ? Math.max(...readings.map((r) => r.t)) : null;
  return {
    ...state,
    values: Object.fromEntries(Object.entries(event.values).map(([p, r]) => [p, r.v])),
    updatedAt: newest !== null && newest > (state.updatedAt ?? 0) ? newest : state.updatedAt,
  };
};

/** Seconds included: a board refreshed every second should show that it moved. In the lab's zone. */
const clock = (at: number) => formatDateTime(at, locale.language, locale.timeZone, true);

function offlineWhy(offline: Equipment['offline']): string | null {
  if (!offline?.code) return offline?.reason ?? null;
  return t(`offline.${offline.code}`, { gateway: offline.gateway ?? '', seconds: offline.seconds ?? 0 });
}

/** Offline and alarm stand out beside the status: offline says since when and why, as its evidence does. */
export function stateBadges(state: LiveState): HTMLElement[] {
  const badges: HTMLElement[] = [];
  if (state.status === 'offline') {
    const since = state.offline?.since;
    const text = since ? t('board.offlineSince', { time: clock(since) }) : t('board.offlineBadge');
    const why = offlineWhy(state.offline);
    // The tooltip keeps the evidence as it came (a device's own words, from its gateway); the badge says it in the reader's language.
    badges.push(h('span', { class: 'state-badge offline', 'data-role': 'offline-badge', title: state.offline?.reason ?? '' }, text, why ? t('board.offlineReason', { reason: why }) : null));
  }
  if (state.status === 'alarm') badges.push(h('span', { class: 'state-badge alarm', 'data-role': 'alarm-badge' }, t('board.alarmBadge')));
  return badges;
}

/** When the newest good reading arrived (design habit 10: a state says how old it is). */
export const updatedLine = (state: LiveState) => h('div', { class: 'muted small', 'data-role': 'updated' },
  state.updatedAt ? t('board.updated', { time: clock(state.updatedAt) }) : t('board.neverUpdated'));

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
