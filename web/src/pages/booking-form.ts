import { post } from '../api.js';
import { h, replace } from '../dom.js';
import { fromLocalInput, isoOrRaw, toLocalInput } from '../lab-time.js';
import { clearFormError, field, showFormError } from '../form.js';
import { fmtTime, t, term } from '../i18n.js';
import type { Booking, Equipment, Slot } from '../types.js';

/**
 * The request form. While the user types it checks the slot against the bookings on screen, widened
 * by the equipment's cleaning buffer on both sides as the API does, and names any overlap before
 * submitting; the API still decides (a 409 names the slot taken meanwhile).
 * A rejected form keeps every value typed.
 */
export function bookingForm(e: Equipment, cleaningBufferMin: number, slots: () => Slot[], onBooked: () => Promise<void>) {
  const startsAt = h('input', { type: 'datetime-local', name: 'startsAt', required: true });
  const endsAt = h('input', { type: 'datetime-local', name: 'endsAt', required: true });
  const purpose = h('input', { type: 'text', name: 'purpose', maxlength: 500, placeholder: t('booking.purposeHint') });
  const conflicts = h('div', { class: 'conflicts', 'data-role': 'conflicts', 'aria-live': 'polite' });
  const result = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, t('booking.submit'));
  const form = h('form', { class: 'card', id: 'booking-form', novalidate: true },
    h('h2', null, t('booking.formTitle', { name: e.name })), h('div', { class: 'form-error', role: 'alert' }),
    field(t('booking.start'), startsAt), field(t('booking.end'), endsAt), field(t('booking.purpose'), purpose), conflicts, submit, result);

  const recheck = () => {
    const from = fromLocalInput(startsAt.value);
    const to = fromLocalInput(endsAt.value);
    replace(conflicts);
    if (Number.isNaN(from) || Number.isNaN(to)) return;
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
      startsAt.value = toLocalInput(from);
      endsAt.value = toLocalInput(to);
      recheck();
      startsAt.focus();
    },
  };
}
