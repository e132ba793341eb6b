import { post } from '../api.js';
import { fmtTime, h, replace } from '../dom.js';
import { clearFormError, field, showFormError } from '../form.js';
import type { Booking, Equipment, Slot } from '../types.js';

/** `datetime-local` works in local time without a zone; these convert both ways. */
const toLocalInput = (t: number) => { const d = new Date(t - new Date(t).getTimezoneOffset() * 60_000); return d.toISOString().slice(0, 16); };
const fromLocalInput = (s: string) => (s ? new Date(s).getTime() : NaN);
/** An empty or unreadable input is sent as typed, so the API's field error names it rather than the UI guessing. */
const isoOrRaw = (s: string) => (Number.isNaN(fromLocalInput(s)) ? s : new Date(fromLocalInput(s)).toISOString());

/**
 * The request form. While the user types it checks the slot against the bookings on screen, widened
 * by the equipment's cleaning buffer on both sides as the API does, and names any overlap before
 * submitting; the API still decides (a 409 names the slot taken meanwhile).
 * A rejected form keeps every value typed.
 */
export function bookingForm(e: Equipment, cleaningBufferMin: number, slots: () => Slot[], onBooked: () => Promise<void>) {
  const startsAt = h('input', { type: 'datetime-local', name: 'startsAt', required: true });
  const endsAt = h('input', { type: 'datetime-local', name: 'endsAt', required: true });
  const purpose = h('input', { type: 'text', name: 'purpose', maxlength: 500, placeholder: 'what you will run' });
  const conflicts = h('div', { class: 'conflicts', 'data-role': 'conflicts', 'aria-live': 'polite' });
  const result = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, 'Request booking');
  const form = h('form', { class: 'card', id: 'booking-form', novalidate: true },
    h('h2', null, `Request ${e.name}`), h('div', { class: 'form-error', role: 'alert' }),
    field('Start', startsAt), field('End', endsAt), field('Purpose', purpose), conflicts, submit, result);

  const recheck = () => {
    const from = fromLocalInput(startsAt.value);
    const to = fromLocalInput(endsAt.value);
    replace(conflicts);
    if (Number.isNaN(from) || Number.isNaN(to)) return;
    if (to <= from) return void conflicts.append(h('div', { class: 'warn' }, 'The end is not after the start.'));
    const buffer = cleaningBufferMin * 60_000;
    const overlapping = slots().filter((b) => b.startsAt < to + buffer && b.endsAt > from - buffer);
    if (overlapping.length) conflicts.append(h('div', { class: 'warn', 'data-role': 'conflict' }, `Conflicts${buffer ? ` (with the ${cleaningBufferMin} min cleaning buffer)` : ''} with `,
      h('ul', null, overlapping.map((b) => h('li', null, `${fmtTime(b.startsAt)} – ${fmtTime(b.endsAt)} (${b.status === 'busy' ? 'busy' : `${b.label}, ${b.status}`})`)))));
    else conflicts.append(h('div', { class: 'ok' }, 'This slot is free on the calendar.'));
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
      result.append(h('div', { class: 'ok-box', 'data-role': 'booked' }, `Booking ${booking.status}: ${fmtTime(booking.startsAt)} – ${fmtTime(booking.endsAt)}`));
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
