import { get, post } from '../api.js';
import { fmtMinutes, fmtTime, h, replace } from '../dom.js';
import { errorBox, showFormError } from '../form.js';
import type { BookingList } from '../types.js';

/** Engineers' queue of requested bookings, each approved or rejected (with a reason) in place. */
export function approvalQueue(orgs: Map<string, string>, onChange: () => void) {
  const el = h('section', { class: 'card', 'data-role': 'approvals' });
  const refresh = async () => {
    let list: BookingList;
    try {
      list = await get<BookingList>('/api/v1/bookings?status=requested');
    } catch (err) {
      return replace(el, h('h2', null, 'Approval queue'), errorBox(err));
    }
    replace(el, h('h2', null, 'Approval queue'), list.items.length ? h('table', null,
      h('thead', null, h('tr', null, ['Equipment', 'Organisation', 'Slot', 'Purpose', ''].map((c) => h('th', null, c)))),
      h('tbody', null, list.items.map((b) => {
        const reason = h('input', { name: 'reason', placeholder: 'reason to reject' });
        const actions = h('form', { class: 'inline' }, h('button', { type: 'button', class: 'primary', 'data-action': 'approve' }, 'Approve'), reason, h('button', { type: 'submit', 'data-action': 'reject' }, 'Reject'));
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
          h('td', null, b.equipmentId), h('td', null, orgs.get(b.orgId) ?? b.orgId), h('td', null, `${fmtTime(b.startsAt)} – ${fmtTime(b.endsAt)}`),
          h('td', null, b.purpose), h('td', null, actions));
      }))) : h('p', { class: 'muted' }, 'Nothing waiting for approval.'));
  };
  return { el, refresh };
}

/** A customer's organisation's bookings with booked against measured time (the API shows them only their own). */
export function myBookings() {
  const el = h('section', { class: 'card', 'data-role': 'my-bookings' });
  const refresh = async () => {
    let list: BookingList;
    try {
      list = await get<BookingList>('/api/v1/bookings');
    } catch (err) {
      return replace(el, h('h2', null, 'Our bookings'), errorBox(err));
    }
    replace(el, h('h2', null, 'Our bookings'), list.items.length ? h('table', null,
      h('thead', null, h('tr', null, ['Equipment', 'Slot', 'Status', 'Booked', 'Measured'].map((c) => h('th', null, c)))),
      h('tbody', null, list.items.map((b) => h('tr', { 'data-booking': b.id },
        h('td', null, b.equipmentId), h('td', null, `${fmtTime(b.startsAt)} – ${fmtTime(b.endsAt)}`), h('td', null, b.status),
        h('td', null, fmtMinutes(b.bookedMinutes)), h('td', { 'data-role': 'measured' }, fmtMinutes(b.measuredMinutes)))))) : h('p', { class: 'muted' }, 'No bookings yet.'));
  };
  return { el, refresh };
}
