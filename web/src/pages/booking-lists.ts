import { get, post } from '../api.js';
import { fmtMinutes, h, replace } from '../dom.js';
import { errorBox, showFormError } from '../form.js';
import { fmtTime, t, term } from '../i18n.js';
import type { Booking, BookingList } from '../types.js';

/**
 * A card that lists bookings from `path` as a table, fetched again on every refresh(); a failed fetch or an empty
 * list says so in place of the table.
 */
function bookingsCard(o: {
  role: string; title: string; path: string; columns: string[]; empty: string;
  row: (b: Booking, refresh: () => Promise<void>) => HTMLElement;
}) {
  const el = h('section', { class: 'card', 'data-role': o.role });
  const refresh = async (): Promise<void> => {
    let list: BookingList;
    try {
      list = await get<BookingList>(o.path);
    } catch (err) {
      return replace(el, h('h2', null, o.title), errorBox(err));
    }
    replace(el, h('h2', null, o.title), list.items.length ? h('table', null,
      h('thead', null, h('tr', null, o.columns.map((c) => h('th', null, c)))),
      h('tbody', null, list.items.map((b) => o.row(b, refresh)))) : h('p', { class: 'muted empty' }, o.empty));
  };
  return { el, refresh };
}

const slot = (b: Booking) => `${fmtTime(b.startsAt)} – ${fmtTime(b.endsAt)}`;

/** Engineers' queue of requested bookings, each approved or rejected (with a reason) in place. */
export function approvalQueue(orgs: Map<string, string>, onChange: () => void) {
  return bookingsCard({
    role: 'approvals', title: t('approvals.title'), path: '/api/v1/bookings?status=requested', empty: t('empty.approvals'),
    columns: [t('col.equipment'), t('col.organisation'), t('col.slot'), t('col.purpose'), ''],
    row: (b, refresh) => {
      const reason = h('input', { name: 'reason', placeholder: t('approvals.reasonHint') });
      const actions = h('form', { class: 'inline' }, h('button', { type: 'button', class: 'primary', 'data-action': 'approve' }, t('approvals.approve')), reason, h('button', { type: 'submit', 'data-action': 'reject' }, t('approvals.reject')));
      const act = async (action: 'approve' | 'reject') => {
        try {
          await post(`/api/v1/bookings/${encodeURIComponent(b.id)}/${action}`, action === 'reject' ? { reason: reason.value } : {});
          await refresh();
          onChange();
        } catch (err) {
          showFormError(actions, err);
        }
      };
      actions.querySelector('[data-action="approve"]')!.addEventListener('click', () => void act('approve'));
      actions.addEventListener('submit', (ev) => { ev.preventDefault(); void act('reject'); });
      return h('tr', { 'data-booking': b.id },
        h('td', null, b.equipmentId), h('td', null, orgs.get(b.orgId) ?? b.orgId), h('td', null, slot(b)),
        h('td', null, b.purpose, b.recipe && h('div', { class: 'muted small', 'data-role': 'recipe' }, `${t('col.recipe')}: ${b.recipe}`)), h('td', null, actions));
    },
  });
}

/**
 * A customer's organisation's bookings with booked against measured time (the API shows them only their own). A
 * booking requested or approved that has not started can be cancelled with a reason, which frees its slot; once
 * under way it is the operator's to end (the API refuses it: its measured use is billed). Viewers only look.
 */
export function myBookings(canCancel: boolean, onChange: () => void) {
  return bookingsCard({
    role: 'my-bookings', title: t('myBookings.title'), path: '/api/v1/bookings', empty: t('empty.myBookings'),
    columns: [t('col.equipment'), t('col.slot'), t('col.status'), t('col.booked'), t('col.measured'), ''],
    row: (b, refresh) => h('tr', { 'data-booking': b.id },
      h('td', null, b.equipmentId), h('td', null, slot(b)),
      h('td', { title: b.cancelReason ?? '' }, term('booking.status', b.status)),
      h('td', null, fmtMinutes(b.bookedMinutes)), h('td', { 'data-role': 'measured' }, fmtMinutes(b.measuredMinutes)),
      h('td', null, canCancel && cancellable(b) ? cancelForm(b, async () => { await refresh(); onChange(); }) : null)),
  });
}

const cancellable = (b: Booking) => (b.status === 'requested' || b.status === 'approved') && b.startsAt > Date.now();

function cancelForm(b: Booking, done: () => Promise<void>): HTMLElement {
  const reason = h('input', { name: 'reason', required: true, placeholder: t('myBookings.cancelReasonHint') });
  const form = h('form', { class: 'inline', 'data-role': 'cancel' }, reason, h('button', { type: 'submit' }, t('myBookings.cancel')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void post(`/api/v1/bookings/${encodeURIComponent(b.id)}/cancel`, { reason: reason.value }).then(done, (err: unknown) => showFormError(form, err));
  });
  return form;
}
