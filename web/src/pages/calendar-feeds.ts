import { get, post, request } from '../api.js';
import { h, replace } from '../dom.js';
import { errorBox, showFormError } from '../form.js';
import { fmtTime, t } from '../i18n.js';
import type { Equipment } from '../types.js';

interface FeedToken { id: string; kind: 'equipment' | 'user'; subjectId: string; createdAt: number; revokedAt: number | null }

/**
 * Secret iCal URLs for a calendar program (Outlook, 钉钉/企业微信 calendars, phones): one for the user's own bookings,
 * one per equipment. The API returns a URL once, at creation, and keeps only its hash; it is shown once here, with a
 * way to revoke it (a URL that leaked stops working).
 */
export function calendarFeeds(equipment: Equipment) {
  const el = h('section', { class: 'card', 'data-role': 'calendar-feeds' });
  const fresh = h('div', { 'data-role': 'feed-url' });
  const create = (kind: FeedToken['kind'], button: HTMLElement) => {
    void post<{ url: string }>('/api/v1/ical-tokens', kind === 'equipment' ? { kind, equipmentId: equipment.id } : { kind })
      .then(async ({ url }) => {
        await refresh();
        replace(fresh, h('p', null, t('calendarFeeds.urlOnce')),
          h('input', { readonly: true, value: url, 'data-role': 'url', onfocus: (ev: Event) => (ev.target as HTMLInputElement).select() }));
      }, (err: unknown) => showFormError(button.parentElement!, err));
  };
  const revoke = (id: string, row: HTMLElement) => {
    void request('DELETE', `/api/v1/ical-tokens/${encodeURIComponent(id)}`).then(() => refresh(), (err: unknown) => row.append(errorBox(err)));
  };
  const subject = (f: FeedToken) => (f.kind === 'user' ? t('calendarFeeds.mine') : t('calendarFeeds.equipment', { id: f.subjectId }));
  const refresh = async (): Promise<void> => {
    let feeds: FeedToken[];
    try {
      feeds = (await get<{ items: FeedToken[] }>('/api/v1/ical-tokens')).items.filter((f) => f.revokedAt === null);
    } catch (err) {
      return replace(el, h('h2', null, t('calendarFeeds.title')), errorBox(err));
    }
    const mine = h('button', { type: 'button', 'data-action': 'feed-mine', onclick: (ev: Event) => create('user', ev.target as HTMLElement) }, t('calendarFeeds.createMine'));
    const forEquipment = h('button', { type: 'button', 'data-action': 'feed-equipment', onclick: (ev: Event) => create('equipment', ev.target as HTMLElement) }, t('calendarFeeds.createEquipment', { name: equipment.name }));
    replace(el, h('h2', null, t('calendarFeeds.title')), h('p', { class: 'muted' }, t('calendarFeeds.intro')),
      h('form', { class: 'inline', onsubmit: (ev: Event) => ev.preventDefault() }, mine, forEquipment), fresh,
      feeds.length ? h('table', null, h('tbody', null, feeds.map((f) => {
        const row = h('tr', { 'data-feed': f.id });
        row.append(h('td', null, subject(f)), h('td', null, t('calendarFeeds.created', { at: fmtTime(f.createdAt) })),
          h('td', null, h('button', { type: 'button', 'data-action': 'revoke', onclick: () => revoke(f.id, row) }, t('calendarFeeds.revoke'))));
        return row;
      }))) : h('p', { class: 'muted empty' }, t('calendarFeeds.none')));
  };
  return { el, refresh };
}
