import { post } from '../api.js';
import { h, replace } from '../dom.js';
import { fromLocalInput, isoOrRaw, toLocalInput } from '../lab-time.js';
import { clearFormError, field, showFormError } from '../form.js';
import { fmtTime, t, term } from '../i18n.js';
import type { Booking, Equipment, EquipmentProfile, Slot } from '../types.js';

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
  const recipe = h('input', { type: 'text', name: 'recipe', maxlength: 200, placeholder: t('booking.recipeHint') });
  const conflicts = h('div', { class: 'conflicts', 'data-role': 'conflicts', 'aria-live': 'polite' });
  const result = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, t('booking.submit'));
  const notBookable = profile.bookable ? null : h('div', { class: 'warn', 'data-role': 'not-bookable' }, t('bookingForm.notBookable', { name: e.name }));
  const fields = h('fieldset', { class: 'plain', disabled: !profile.bookable },
    field(t('booking.start'), startsAt), field(t('booking.end'), endsAt), field(t('booking.purpose'), purpose), field(t('booking.recipe'), recipe), conflicts, submit);
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
      const booking = await post<Booking>('/api/v1/bookings', { equipmentId: e.id, startsAt: isoOrRaw(startsAt.value), endsAt: isoOrRaw(endsAt.value), purpose: purpose.value, ...(recipe.value.trim() ? { recipe: recipe.value.trim() } : {}) });
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
