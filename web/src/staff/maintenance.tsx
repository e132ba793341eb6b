import { useState } from 'preact/hooks';
import type { MaintenanceCreated } from '../../../api/routes/equipment/schemas.js';
import { get, post, request } from '../api.js';
import { fmtTime, t } from '../i18n.js';
import { isoOrRaw } from '../lab-time.js';
import { ErrorBox, Field, FormError, formValues, Loaded, useLoad, useSubmit } from './ui.js';

interface Window { id: string; startsAt: number; endsAt: number; reason: string }

/** Maintenance windows of one piece of equipment (they block bookings); times typed and shown in the lab's zone. */
export function MaintenanceWindows({ equipmentId }: { equipmentId: string }) {
  const state = useLoad(() => get<{ items: Window[] }>(`/api/v1/equipment/${encodeURIComponent(equipmentId)}/maintenance`), [equipmentId]);
  const submit = useSubmit();
  const removal = useSubmit();
  const [affected, setAffected] = useState<MaintenanceCreated['affectedBookings']>([]);
  const add = (ev: Event) => {
    const form = ev.currentTarget as HTMLFormElement;
    const v = formValues(ev);
    void submit.run(async () => {
      const created = await post<MaintenanceCreated>(`/api/v1/equipment/${encodeURIComponent(equipmentId)}/maintenance`, { startsAt: isoOrRaw(v.startsAt ?? ''), endsAt: isoOrRaw(v.endsAt ?? ''), reason: v.reason });
      setAffected(created.affectedBookings);
      form.reset();
      state.reload();
    });
  };
  const remove = (id: string) => void removal.run(async () => { await request('DELETE', `/api/v1/maintenance/${encodeURIComponent(id)}`); state.reload(); });
  return (
    <div class="card" data-role="maintenance">
      <h2>{t('staff.maintenance.title')}</h2>
      {removal.error && <ErrorBox error={removal.error} />}
      <Loaded state={state}>{(list) => list.items.length
        ? <ul>{list.items.map((w) => (
          <li key={w.id} data-maintenance={w.id}>
            {fmtTime(w.startsAt)} – {fmtTime(w.endsAt)}: {w.reason} <button type="button" class="link" onClick={() => remove(w.id)}>{t('staff.delete')}</button>
          </li>))}</ul>
        : <p class="muted empty">{t('staff.maintenance.empty')}</p>}
      </Loaded>
      {affected.length > 0 && (
        <div class="warn" data-role="affected-bookings">{t('staff.maintenance.affected', { count: affected.length })}
          <ul>{affected.map((b) => <li key={b.id}>{fmtTime(b.startsAt)} – {fmtTime(b.endsAt)} · {b.orgId}</li>)}</ul>
          <a href="#/staff/bookings">{t('staff.bookings.title')}</a>
        </div>
      )}
      <form class="inline staff-form" noValidate onSubmit={add} data-role="add-maintenance">
        <FormError submit={submit} fields={['startsAt', 'endsAt', 'reason']} />
        <Field label={t('staff.maintenance.start')} name="startsAt" submit={submit}><input type="datetime-local" name="startsAt" /></Field>
        <Field label={t('staff.maintenance.end')} name="endsAt" submit={submit}><input type="datetime-local" name="endsAt" /></Field>
        <Field label={t('staff.maintenance.reason')} name="reason" submit={submit}><input name="reason" /></Field>
        <button type="submit" disabled={submit.busy}>{t('staff.maintenance.add')}</button>
      </form>
    </div>
  );
}
