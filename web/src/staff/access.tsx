import { useState } from 'preact/hooks';
import type { z } from 'zod';
import type { ApiKeyList, NewApiKey } from '../../../api/routes/auth/schemas.js';
import { get, post, request } from '../api.js';
import { fmtTime, t } from '../i18n.js';
import type { AppContext } from '../types.js';
import { ErrorBox, Field, FormError, formValues, Loaded, numberOrRaw, useLoad, useSubmit } from './ui.js';

interface Qualifications { items: { id: string; name: string; expiresAfterDays: number }[] }

/** `#/staff/qualifications`: what equipment may require of its users; admins define them (granted on the users page). */
export function QualificationsPage({ ctx }: { ctx: AppContext }) {
  const state = useLoad(() => get<Qualifications>('/api/v1/qualifications'));
  const submit = useSubmit();
  const create = (ev: Event) => {
    const form = ev.currentTarget as HTMLFormElement;
    const v = formValues(ev);
    void submit.run(async () => {
      await post('/api/v1/qualifications', { id: v.id, name: v.name, expiresAfterDays: numberOrRaw(v.expiresAfterDays ?? '') });
      form.reset();
      state.reload();
    });
  };
  return (
    <>
      <div class="page-head"><h1>{t('staff.qualifications.title')}</h1></div>
      <Loaded state={state}>{(list) => list.items.length
        ? <table data-role="qualifications">
          <thead><tr><th>{t('staff.qualifications.id')}</th><th>{t('staff.qualifications.name')}</th><th>{t('staff.qualifications.expiresAfterDays')}</th></tr></thead>
          <tbody>{list.items.map((q) => <tr key={q.id} data-qualification={q.id}><td>{q.id}</td><td>{q.name}</td><td>{q.expiresAfterDays}</td></tr>)}</tbody>
        </table>
        : <p class="muted empty">{t('staff.qualifications.empty')}</p>}
      </Loaded>
      {ctx.me?.role === 'admin' && (
        <form class="card staff-form" id="qualification-form" noValidate onSubmit={create}>
          <h2>{t('staff.qualifications.create')}</h2>
          <FormError submit={submit} fields={['id', 'name', 'expiresAfterDays']} />
          <Field label={t('staff.qualifications.id')} name="id" submit={submit}><input name="id" /></Field>
          <Field label={t('staff.qualifications.name')} name="name" submit={submit}><input name="name" /></Field>
          <Field label={t('staff.qualifications.expiresAfterDays')} name="expiresAfterDays" submit={submit} hint={t('staff.qualifications.expiresHint')}><input name="expiresAfterDays" inputMode="numeric" defaultValue="365" /></Field>
          <button type="submit" class="primary" disabled={submit.busy}>{t('staff.qualifications.create')}</button>
        </form>
      )}
    </>
  );
}

/** `#/staff/api-keys`: keys for scripts (admins see everyone's); a new key is shown once, then only its name. */
export function ApiKeysPage() {
  const state = useLoad(() => get<z.infer<typeof ApiKeyList>>('/api/v1/api-keys'));
  const submit = useSubmit();
  const revoking = useSubmit();
  const [created, setCreated] = useState<z.infer<typeof NewApiKey> | null>(null);
  const create = (ev: Event) => {
    const form = ev.currentTarget as HTMLFormElement;
    const v = formValues(ev);
    void submit.run(async () => {
      setCreated(await post<z.infer<typeof NewApiKey>>('/api/v1/api-keys', { name: v.name }));
      form.reset();
      state.reload();
    });
  };
  const revoke = (id: string) => void revoking.run(async () => { await request('DELETE', `/api/v1/api-keys/${encodeURIComponent(id)}`); state.reload(); });
  return (
    <>
      <div class="page-head"><h1>{t('staff.keys.title')}</h1></div>
      {revoking.error && <ErrorBox error={revoking.error} />}
      <Loaded state={state}>{(list) => list.items.length
        ? <table data-role="api-keys">
          <thead><tr><th>{t('staff.keys.name')}</th><th>{t('staff.keys.user')}</th><th>{t('staff.created')}</th><th>{t('staff.keys.revoked')}</th><th /></tr></thead>
          <tbody>{list.items.map((k) => (
            <tr key={k.id} data-key={k.id} data-revoked={k.revokedAt !== null}>
              <td>{k.name}</td><td>{k.userId}</td><td>{fmtTime(k.createdAt)}</td><td>{k.revokedAt === null ? '—' : fmtTime(k.revokedAt)}</td>
              <td>{k.revokedAt === null && <button type="button" data-action="revoke" onClick={() => revoke(k.id)}>{t('staff.keys.revoke')}</button>}</td>
            </tr>))}</tbody>
        </table>
        : <p class="muted empty">{t('staff.keys.empty')}</p>}
      </Loaded>
      {created && (
        <div class="ok-box" data-role="new-key">{t('staff.keys.shownOnce', { name: created.name })} <code>{created.key}</code></div>
      )}
      <form class="card staff-form" id="api-key-form" noValidate onSubmit={create}>
        <h2>{t('staff.keys.create')}</h2>
        <FormError submit={submit} fields={['name']} />
        <Field label={t('staff.keys.name')} name="name" submit={submit} hint={t('staff.keys.nameHint')}><input name="name" /></Field>
        <button type="submit" class="primary" disabled={submit.busy}>{t('staff.keys.create')}</button>
      </form>
    </>
  );
}
