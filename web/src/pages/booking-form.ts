import { post } from '../api.js';
import { fromWallClock, wallClock } from '../../../common/i18n/format.js';
import { h, replace } from '../dom.js';
import { clearFormError, field, showFormError } from '../form.js';
import { fmtTime, locale, t, term } from '../i18n.js';
import type { Booking, Equipment, EquipmentProfile, Slot } from '../types.js';

/** `datetime-local` holds a wall time without a zone: it is read and written in the laboratory's zone. */
const pad = (n: number) => String(n).padStart(2, '0');
const toLocalInput = (at: number) => { const w = wallClock(at, locale.timeZone); return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`; };
function fromLocalInput(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(s);
  return m ? fromWallClock(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), locale.timeZone) : NaN;
}
/** An empty or unreadable input is sent as typed, so the API's field error names it rather than the UI guessing. */
const isoOrRaw = (s: string) => (Number.isNaN(fromLocalInput(s)) ? s : new Date(fromLocalInput(s)).toISOString());

/**
 * The request form. While the user types it checks the slot against the bookings on screen, widened
 * by the equipment's cleaning buffer on both sides as the API does, and names any overlap before
 * submitting; the API still decides (a 409 names the slot taken meanwhile).
 * A rejected form keeps every value typed. Equipment that is not bookable gets a disabled form that says so
 * before any slot is picked (the API would refuse every request).
 */
export function bookingForm(e: Equipment, profile: Pick<EquipmentProfile, 'bookable' | 'cleaningBufferMin'>, slots: () => Slot[], onBooked: () => Promise<void>) {
  const cleaningBufferMin = profile.cleaningBufferMin;
  // The booking just made lies on the slot still in the inputs: it is the answer, not a conflict.
  let justBooked: Booking | null = null;
  const startsAt = h('input', { type: 'datetime-local', name: 'startsAt', required: true });
  const endsAt = h('input', { type: 'datetime-local', name: 'endsAt', required: true });
  const purpose = h('input', { type: 'text', name: 'purpose', maxlength: 500, placeholder: t('booking.purposeHint') });
  const conflicts = h('div', { class: 'conflicts', 'data-role': 'conflicts', 'aria-live': 'polite' });
  const result = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, t('booking.submit'));
  const notBookable = profile.bookable ? null : h('div', { class: 'warn', 'data-role': 'not-bookable' }, t('bookingForm.notBookable', { name: e.name }));
  const fields = h('fieldset', { class: 'plain', disabled: !profile.bookable },
    field(t('booking.start'), startsAt), field(t('booking.end'), endsAt), field(t('booking.purpose'), purpose), conflicts, submit);
  const form = h('form', { class: 'card', id: 'booking-form', novalidate: true, 'data-bookable': String(profile.bookable) },
    h('h2', null, t('booking.formTitle', { name: e.name })), notBookable, h('div', { class: 'form-error', role: 'alert' }), fields, result);

  const recheck = () => {
    const from = fromLocalInput(startsAt.value);
    const to = fromLocalInput(endsAt.value);
    replace(conflicts);
    if (!profile.bookable || Number.isNaN(from) || Number.isNaN(to)) return;
    if (justBooked && justBooked.startsAt === from && justBooked.endsAt === to) return;
    justBooked = null;
    if (to <= from) return void conflicts.append(h('div', { class: 'warn' }, t('booking.endBeforeStart')));
    const buffer = cleaningBufferMin * 60_000;
    const overlapping = slots().filter((b) => b.startsAt < to + buffer && b.endsAt > from - buffer);
    if (overlapping.length) conflicts.append(h('div', { class: 'warn', 'data-role': 'conflict' }, t(buffer ? 'booking.conflictsBuffer' : 'booking.conflicts', { minutes: cleaningBufferMin }),
      h('ul', null, overlapping.map((b) => h('li', null, `${fmtTime(b.startsAt)} – ${fmtTime(b.endsAt)} (${b.status === 'busy' ? t('booking.status.busy') : `${b.label}, ${term('booking.status', b.status)}`})`)))));
    else conflicts.append(h('div', { class: 'ok' }, t('booking.free')));
  };
  startsAt.addEventListener('input', recheck);
  endsAt.addEventListener('input', recheck);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormError(form);
    replace(result);
    submit.disabled = true;
    try {
      const booking = await post<Booking>('/api/v1/bookings', { equipmentId: e.id, startsAt: isoOrRaw(startsAt.value), endsAt: isoOrRaw(endsAt.value), purpose: purpose.value });
      justBooked = booking;
      replace(conflicts);
      result.append(h('div', { class: 'ok-box', 'data-role': 'booked' }, t('booking.done', { status: term('booking.status', booking.status), from: fmtTime(booking.startsAt), to: fmtTime(booking.endsAt) })));
      await onBooked();
    } catch (err) {
      showFormError(form, err);
    } finally {
      submit.disabled = false;
    }
  });

  return {
    el: form,
    recheck,
    prefill(from: number, to: number) {
      if (!profile.bookable) return;
      startsAt.value = toLocalInput(from);
      endsAt.value = toLocalInput(to);
      recheck();
      startsAt.focus();
    },
  };
}
