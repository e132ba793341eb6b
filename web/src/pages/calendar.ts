import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { fromWallClock, wallClock } from '../../../common/i18n/format.js';
import { errorBox } from '../form.js';
import { fmtDate, fmtDay, locale, t } from '../i18n.js';
import { orgNames } from '../orgs.js';
import { calendarSlots, isStaff, type AppContext, type BookingList, type Equipment, type EquipmentDetail, type Page, type Slot } from '../types.js';
import { approvalQueue, myBookings } from './booking-lists.js';
import { bookingForm } from './booking-form.js';
import { calendarFeeds } from './calendar-feeds.js';

const DAY = 86_400_000;
const HOUR_PX = 22;

/** Midnight in the laboratory's zone of the day holding `at`, shifted by `days` (calendar days, so DST-safe). */
function dayStartOf(at: number, days = 0): number {
  const w = wallClock(at, locale.timeZone);
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  return fromWallClock(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0, 0, locale.timeZone);
}

/** Monday 00:00 in the laboratory's zone of the week holding `at`. */
export function weekStart(at: number): number {
  return dayStartOf(at, -((wallClock(at, locale.timeZone).weekday + 6) % 7));
}

/** Week view per equipment, the request form (conflicts shown before submit), the approval queue and one's own bookings. */
export async function calendarPage([equipmentId]: string[], ctx: AppContext): Promise<Page> {
  const list = await get<{ items: Equipment[] }>('/api/v1/equipment');
  const e = list.items.find((x) => x.id === equipmentId) ?? list.items[0];
  if (!e) return { el: h('p', { class: 'muted empty' }, t('empty.equipment')) };
  let week = weekStart(Date.now());
  let slots: Slot[] = [];
  const [orgs, detail] = await Promise.all([orgNames(), get<EquipmentDetail>(`/api/v1/equipment/${encodeURIComponent(e.id)}`)]);
  const grid = h('div', { class: 'week', 'data-role': 'week' });
  const weekLabel = h('strong', { 'data-role': 'week-label' });
  const gridError = h('div');
  // The API lets customers, engineers and admins request bookings (POST /api/v1/bookings); viewers only look.
  const canBook = ctx.me?.role !== 'viewer';
  const form = bookingForm(e, detail.profile, () => slots, async () => { await loadWeek(); await lists.refresh(); });

  const loadWeek = async () => {
    replace(gridError);
    weekLabel.textContent = `${fmtDate(week)} – ${fmtDate(dayStartOf(week, 6))}`;
    try {
      const q = new URLSearchParams({ equipment: e.id, from: new Date(week).toISOString(), to: new Date(dayStartOf(week, 7)).toISOString() });
      slots = calendarSlots(await get<BookingList>(`/api/v1/bookings?${q}`), orgs);
    } catch (err) {
      slots = [];
      gridError.append(errorBox(err));
    }
    renderWeek();
    form.recheck();
  };

  const renderWeek = () => replace(grid,
    h('div', { class: 'hours' }, h('div', { class: 'day-head' }), Array.from({ length: 24 }, (_, i) => h('div', { class: 'hour', style: `height:${HOUR_PX}px` }, `${String(i).padStart(2, '0')}:00`))),
    Array.from({ length: 7 }, (_, d) => {
      const dayStart = dayStartOf(week, d);
      const dayEnd = dayStartOf(week, d + 1);
      const col = h('div', { class: 'day-body', style: `height:${24 * HOUR_PX}px`, title: t('calendar.clickHint') });
      col.addEventListener('click', (ev) => {
        if ((ev.target as HTMLElement).closest('.slot')) return;
        const hour = Math.floor((ev as MouseEvent).offsetY / HOUR_PX);
        if (canBook) form.prefill(dayStart + hour * 3_600_000, dayStart + (hour + 1) * 3_600_000);
      });
      for (const b of slots) {
        if (b.endsAt <= dayStart || b.startsAt >= dayEnd) continue;
        const top = (Math.max(b.startsAt, dayStart) - dayStart) / 3_600_000 * HOUR_PX;
        const height = Math.max(8, (Math.min(b.endsAt, dayEnd) - Math.max(b.startsAt, dayStart)) / 3_600_000 * HOUR_PX);
        col.append(h('div', { class: `slot status-${b.status}`, style: `top:${top}px;height:${height}px`, 'data-booking': b.bookingId ?? 'busy', title: b.status === 'busy' ? b.label : `${b.label} (${t(`booking.status.${b.status}`)})` }, b.label));
      }
      return h('div', { class: 'day' }, h('div', { class: 'day-head' }, fmtDay(dayStart)), col);
    }));

  const shift = (weeks: number) => { week = weekStart(week + weeks * 7 * DAY + DAY / 2); void loadWeek(); };
  const select = h('select', { name: 'equipment', onchange: (ev: Event) => ctx.navigate(`/calendar/${encodeURIComponent((ev.target as HTMLSelectElement).value)}`) },
    list.items.map((x) => h('option', { value: x.id, selected: x.id === e.id }, x.name)));
  const lists = isStaff(ctx.me) ? approvalQueue(orgs, () => void loadWeek()) : myBookings(canBook, () => void loadWeek());
  const feeds = calendarFeeds(e);
  await loadWeek();
  await Promise.all([lists.refresh(), feeds.refresh()]);
  const el = h('section', null,
    h('div', { class: 'page-head' }, h('h1', null, t('nav.bookings')), select,
      h('button', { onclick: () => shift(-1), 'aria-label': t('calendar.previousWeek') }, t('calendar.previous')), weekLabel,
      h('button', { onclick: () => shift(1), 'aria-label': t('calendar.nextWeek') }, t('calendar.next'))),
    h('div', { class: 'split' }, h('div', { class: 'main-col' }, gridError, grid), h('aside', { class: 'side-col' }, canBook ? form.el : h('div', { class: 'card muted' }, t('calendar.viewerHint')))),
    lists.el, feeds.el);
  return { el };
}
