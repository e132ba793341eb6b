import { get } from '../api.js';
import { h } from '../dom.js';
import { errorBox } from '../form.js';
import { fmtDate, fmtTime, t, term } from '../i18n.js';
import { orgNames } from '../orgs.js';
import { calendarSlots, isStaff, type AppContext, type BookingList, type Equipment, type EquipmentDetail, type EquipmentProfile, type Slot } from '../types.js';

const DAY = 86_400_000;

/** Calibration and the current and next bookings, beside the charts. */
export async function equipmentSidebar(e: Equipment, ctx: AppContext): Promise<HTMLElement> {
  const now = Date.now();
  const [profile, bookings, orgs] = await Promise.allSettled([
    get<EquipmentDetail>(`/api/v1/equipment/${encodeURIComponent(e.id)}`),
    get<BookingList>(`/api/v1/bookings?${new URLSearchParams({ equipment: e.id, from: new Date(now).toISOString(), to: new Date(now + 60 * DAY).toISOString() })}`),
    orgNames(),
  ]);
  const calibration = profile.status === 'rejected' ? errorBox(profile.reason) : calibrationBlock(profile.value.profile, now);
  let bookingBlock: HTMLElement;
  if (bookings.status === 'rejected') bookingBlock = errorBox(bookings.reason);
  else {
    const live = calendarSlots(bookings.value, orgs.status === 'fulfilled' ? orgs.value : new Map()).sort((a, b) => a.startsAt - b.startsAt);
    const currentBooking = live.find((b) => b.startsAt <= now && b.endsAt > now);
    const next = live.filter((b) => b.startsAt > now).slice(0, 3);
    bookingBlock = h('div', { 'data-role': 'bookings' },
      h('h3', null, t('equipment.currentBooking')), currentBooking ? bookingLine(currentBooking) : h('p', { class: 'muted empty' }, t('empty.currentBooking')),
      h('h3', null, t('equipment.nextBookings')), next.length ? h('ul', null, next.map((b) => h('li', null, bookingLine(b)))) : h('p', { class: 'muted empty' }, t('empty.nextBookings')),
      h('a', { href: `#/calendar/${encodeURIComponent(e.id)}` }, t('equipment.openCalendar')));
  }
  return h('div', { class: 'card' }, isStaff(ctx.me) && h('a', { href: `#/staff/equipment/${encodeURIComponent(e.id)}`, 'data-role': 'edit-profile' }, t('staff.profile.edit')), h('h2', null, t('equipment.calibration')), calibration, h('h2', null, t('nav.bookings')), bookingBlock);
}

function calibrationBlock(p: EquipmentProfile, now: number): HTMLElement {
  const due = p.calibrationDue;
  const overdue = due !== null && due < now;
  return h('dl', { class: 'values', 'data-role': 'calibration' },
    h('dt', null, t('equipment.calibrated')), h('dd', null, fmtDate(p.calibrationDate)),
    h('dt', null, t('equipment.calibrationDue')), h('dd', { class: overdue ? 'overdue' : null, 'data-role': 'calibration-due' }, due ? `${fmtDate(due)}${overdue ? t('equipment.overdue') : ''}` : '—'),
    h('dt', null, t('equipment.certificate')), h('dd', null, p.calibrationCertificate || '—'));
}

function bookingLine(b: Slot): HTMLElement {
  return h('span', { class: 'booking-line' }, `${fmtTime(b.startsAt)} – ${fmtTime(b.endsAt)} · ${b.label}${b.status === 'busy' ? '' : ` · ${term('booking.status', b.status)}`}`);
}
