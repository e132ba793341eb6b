import { get, subscribe } from '../api.js';
import { fmtValue, h, replace } from '../dom.js';
import { t, term } from '../i18n.js';
import { alarmList } from './alarm-list.js';
import { applyStatus, applyValues, initialState, stateBadges, updatedLine, type LiveState } from '../live.js';
import type { AppContext, Equipment, Page, StatusEvent, ValuesEvent } from '../types.js';

/** One card per equipment: live status, the equipment's key values and when they last moved, pushed by the status stream. */
export async function boardPage(_params: string[], ctx: AppContext): Promise<Page> {
  const list = await get<{ items: Equipment[] }>('/api/v1/equipment');
  const states = new Map<string, LiveState>(list.items.map((e) => [e.id, initialState(e)]));
  const cards = new Map<string, HTMLElement>();
  const connection = h('span', { class: 'stream-state', 'data-connected': 'false' }, t('board.connecting'));
  // The API resolves the profile's choice (or the default rule) into ids, in the order staff chose them.
  const keyParameters = (e: Equipment) => e.keyParameters.flatMap((id) => e.parameters.filter((p) => p.id === id));

  const render = (e: Equipment) => {
    const state = states.get(e.id)!;
    const card = cards.get(e.id) ?? h('a', { class: 'card equipment-card', href: `#/equipment/${encodeURIComponent(e.id)}`, 'data-equipment': e.id });
    cards.set(e.id, card);
    card.dataset.status = state.status;
    replace(card,
      h('div', { class: 'card-head' }, h('h2', null, e.name), h('span', { class: `badge status-${state.status}`, 'data-role': 'status' }, term('status', state.status))),
      h('div', { class: 'muted' }, [e.kind, e.location || e.site].filter(Boolean).join(' · ')),
      stateBadges(state),
      h('dl', { class: 'values' }, keyParameters(e).map((p) => [
        h('dt', null, p.name),
        h('dd', { 'data-parameter': p.id }, fmtValue(state.values[p.id], p.unit)),
      ])),
      updatedLine(state),
    );
    return card;
  };

  const stopStream = subscribe('/api/v1/status/stream', (event, data) => {
    if (event !== 'status' && event !== 'values') return;
    const update = data as StatusEvent | ValuesEvent;
    const e = list.items.find((x) => x.id === update.equipmentId);
    if (!e) return;
    const state = states.get(e.id)!;
    states.set(e.id, event === 'status' ? applyStatus(state, update as StatusEvent) : applyValues(state, update as ValuesEvent));
    render(e);
  }, (connected) => {
    connection.dataset.connected = String(connected);
    connection.textContent = t(connected ? 'board.live' : 'board.reconnecting');
  });
  const grid = h('div', { class: 'board' }, list.items.map(render));
  const alarms = alarmList(ctx);
  const el = h('section', null,
    h('div', { class: 'page-head' }, h('h1', null, t('board.title')), connection),
    alarms.el,
    list.items.length ? grid : h('p', { class: 'muted empty' }, t('empty.equipment')));
  return { el, dispose: () => { stopStream(); alarms.dispose(); } };
}
