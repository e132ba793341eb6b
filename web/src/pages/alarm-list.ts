import type { z } from 'zod';
import type { Alarm as AlarmSchema } from '../../../api/alarms/model.js';
import { get, post, subscribe } from '../api.js';
import { h, replace } from '../dom.js';
import { errorBox } from '../form.js';
import { fmtTime, t, term } from '../i18n.js';
import type { AppContext } from '../types.js';

type Alarm = z.infer<typeof AlarmSchema>;

/** What the alarm is about: the source, then the value against its limit or the reason the source gave. */
function describe(a: Alarm): string {
  const what = term('alarms.source', a.source);
  const d = a.detail;
  if ((a.source === 'spec-limit' || a.source === 'envelope') && a.parameter) {
    return `${what}: ${t('notifications.outside', { parameter: a.parameter, value: Number(d.value), side: term('side', String(d.side)), limit: Number(d.limit) })}`;
  }
  return `${what}: ${String(a.source === 'offline' ? d.reason ?? '' : d.condition ?? '')}`;
}

/**
 * The open alarms (all, or one equipment's), kept current by the status stream's "alarm" events, each with an
 * acknowledge button and comment (ISA-18.2: who, when, why). Shelved and closed alarms leave the list.
 * Used by the board and the equipment page; a module of its own so those pages change by one line each.
 */
export function alarmList(ctx: AppContext, equipmentId?: string): { el: HTMLElement; dispose(): void } {
  const alarms = new Map<string, Alarm>();
  const list = h('div', { class: 'alarm-items' });
  const el = h('div', { class: 'card alarm-list', 'data-role': 'alarms' }, h('h2', null, t('alarms.title')), list);
  const canAcknowledge = ctx.me !== null && ctx.me.role !== 'viewer';

  const put = (a: Alarm, transition?: string) => {
    if (equipmentId && a.equipmentId !== equipmentId) return;
    if (a.state === 'cleared' || transition === 'shelved') alarms.delete(a.id);
    else alarms.set(a.id, a);
  };

  const item = (a: Alarm) => {
    const comment = h('input', { name: 'comment', placeholder: t('alarms.commentHint'), 'aria-label': t('alarms.commentLabel') });
    const failure = h('div');
    const acknowledge = async () => {
      try {
        put(await post<Alarm>(`/api/v1/alarms/${encodeURIComponent(a.id)}/acknowledge`, { comment: comment.value }));
        render();
      } catch (err) {
        replace(failure, errorBox(err));
      }
    };
    return h('div', { class: 'alarm', 'data-alarm': a.id, 'data-state': a.state, 'data-source': a.source },
      h('div', { class: 'alarm-head' },
        h('span', { class: `badge severity-${a.severity}` }, term('alarms.severity', a.severity)),
        equipmentId ? null : h('a', { href: `#/equipment/${encodeURIComponent(a.equipmentId)}` }, a.equipmentId),
        h('span', { class: 'muted', 'data-role': 'alarm-state' }, term('alarms.state', a.state))),
      h('div', null, describe(a)),
      h('div', { class: 'muted small' }, t('alarms.since', { time: fmtTime(a.raisedAt) }),
        a.acknowledgedBy ? ` · ${t('alarms.acknowledgedBy', { who: a.acknowledgedBy })}${a.acknowledgeComment ? `: ${a.acknowledgeComment}` : ''}` : ''),
      a.acknowledgedAt === null && canAcknowledge
        ? h('div', { class: 'alarm-ack' }, comment, h('button', { type: 'button', 'data-role': 'acknowledge', onclick: () => void acknowledge() }, t('alarms.acknowledge')))
        : null,
      failure);
  };

  const render = () => {
    const open = [...alarms.values()].sort((a, b) => b.raisedAt - a.raisedAt);
    replace(list, open.length ? open.map(item) : h('p', { class: 'muted' }, t('alarms.none')));
  };

  const query = new URLSearchParams({ state: 'open', limit: '100', ...(equipmentId ? { equipment: equipmentId } : {}) });
  void get<{ items: Alarm[] }>(`/api/v1/alarms?${query}`).then((body) => { for (const a of body.items) put(a); render(); }, (err) => replace(list, errorBox(err)));
  const stop = subscribe('/api/v1/status/stream', (event, data) => {
    if (event !== 'alarm') return;
    const a = data as Alarm & { transition?: string };
    put(a, a.transition);
    render();
  }, () => undefined);
  render();
  return { el, dispose: stop };
}
