import { get } from '../api.js';
import { fmtTime, h } from '../dom.js';
import { errorBox } from '../form.js';
import { orgNames } from '../orgs.js';
import { calendarSlots, type AppContext, type BookingList, type Equipment, type EquipmentDetail, type EquipmentProfile, type Slot } from '../types.js';

const DAY = 86_400_000;

/** Calibration and the current and next bookings, beside the charts. */
export async function equipmentSidebar(e: Equipment, _ctx: AppContext): Promise<HTMLElement> {
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
      h('h3', null, 'Current booking'), currentBooking ? bookingLine(currentBooking) : h('p', { class: 'muted' }, 'none'),
      h('h3', null, 'Next bookings'), next.length ? h('ul', null, next.map((b) => h('li', null, bookingLine(b)))) : h('p', { class: 'muted' }, 'none'),
      h('a', { href: `#/calendar/${encodeURIComponent(e.id)}` }, 'Open the calendar →'));
  }
  return h('div', { class: 'card' }, h('h2', null, 'Calibration'), calibration, h('h2', null, 'Bookings'), bookingBlock);
}

function calibrationBlock(p: EquipmentProfile, now: number): HTMLElement {
  const due = p.calibrationDue;
  const overdue = due !== null && due < now;
  return h('dl', { class: 'values', 'data-role': 'calibration' },
    h('dt', null, 'Calibrated'), h('dd', null, p.calibrationDate ? new Date(p.calibrationDate).toLocaleDateString() : '—'),
    h('dt', null, 'Due'), h('dd', { class: overdue ? 'overdue' : null, 'data-role': 'calibration-due' }, due ? `${new Date(due).toLocaleDateString()}${overdue ? ' (overdue)' : ''}` : '—'),
    h('dt', null, 'Certificate'), h('dd', null, p.calibrationCertificate || '—'));
}

function bookingLine(b: Slot): HTMLElement {
  return h('span', { class: 'booking-line' }, `${fmtTime(b.startsAt)} – ${fmtTime(b.endsAt)} · ${b.label}${b.status === 'busy' ? '' : ` · ${b.status}`}`);
}
