import { get, post } from '../api.js';
import { fmtTime, t, term } from '../i18n.js';
import type { Booking, BookingList, OrgList } from '../types.js';
import { Field, FormError, formValues, Loaded, useLoad, useSubmit } from './ui.js';

const DAY = 86_400_000;
/** Bookings still holding a slot, from a day back (one under way may be cancelled by staff) to 90 days ahead. */
const WINDOW = { back: DAY, ahead: 90 * DAY };

/** `#/staff/bookings`: staff cancel a requested or approved booking with a reason (also once it has started). */
export function BookingsPage() {
  const state = useLoad(async () => {
    const now = Date.now();
    const q = new URLSearchParams({ from: new Date(now - WINDOW.back).toISOString(), to: new Date(now + WINDOW.ahead).toISOString() });
    const [list, orgs] = await Promise.all([get<BookingList>(`/api/v1/bookings?${q}`), get<OrgList>('/api/v1/orgs')]);
    return { items: list.items.filter((b) => b.status === 'requested' || b.status === 'approved'), orgs: new Map(orgs.items.map((o) => [o.id, o.name])) };
  });
  return (
    <>
      <div class="page-head"><h1>{t('staff.bookings.title')}</h1></div>
      <p class="muted">{t('staff.bookings.help')}</p>
      <Loaded state={state}>{({ items, orgs }) => items.length
        ? <table data-role="staff-bookings">
          <thead><tr><th>{t('col.equipment')}</th><th>{t('col.organisation')}</th><th>{t('col.slot')}</th><th>{t('col.status')}</th><th>{t('col.purpose')}</th><th /></tr></thead>
          <tbody>{items.map((b) => <BookingRow key={b.id} booking={b} org={orgs.get(b.orgId) ?? b.orgId} onChange={state.reload} />)}</tbody>
        </table>
        : <p class="muted empty">{t('staff.bookings.empty')}</p>}
      </Loaded>
    </>
  );
}

function BookingRow({ booking: b, org, onChange }: { booking: Booking; org: string; onChange: () => void }) {
  const submit = useSubmit();
  const cancel = (ev: Event) => {
    const v = formValues(ev);
    void submit.run(async () => { await post(`/api/v1/bookings/${encodeURIComponent(b.id)}/cancel`, { reason: v.reason ?? '' }); onChange(); });
  };
  return (
    <tr data-booking={b.id}>
      <td>{b.equipmentId}</td><td>{org}</td><td>{fmtTime(b.startsAt)} – {fmtTime(b.endsAt)}</td><td>{term('booking.status', b.status)}</td>
      <td>{b.purpose}{b.recipe && <div class="muted small" data-role="recipe">{t('col.recipe')}: {b.recipe}</div>}</td>
      <td>
        <form class="inline staff-form" noValidate onSubmit={cancel}>
          <FormError submit={submit} fields={['reason']} />
          <Field label={t('staff.bookings.reason')} name="reason" submit={submit}><input name="reason" /></Field>
          <button type="submit" data-action="cancel" disabled={submit.busy}>{t('staff.bookings.cancel')}</button>
        </form>
      </td>
    </tr>
  );
}
