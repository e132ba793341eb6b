import { useState } from 'preact/hooks';
import type { z } from 'zod';
import type { HeldList } from '../../../api/routes/qualifications/schemas.js';
import type { UserDetail } from '../../../api/routes/people/schemas.js';
import { get, patch, post, request } from '../api.js';
import { fmtDate, t, term } from '../i18n.js';
import type { AppContext, OrgList } from '../types.js';
import { Choice, ErrorBox, Field, FormError, formValues, Loaded, useLoad, useSubmit } from './ui.js';

type User = z.infer<typeof UserDetail>;
interface Qualifications { items: { id: string; name: string; expiresAfterDays: number }[] }
const ROLES = ['admin', 'engineer', 'customer', 'viewer'] as const;

function RoleSelect({ value, form }: { value: string; form?: string }) {
  return <Choice name="role" form={form} initial={value} aria-label={t('staff.users.role')}>{ROLES.map((r) => <option key={r} value={r}>{term('role', r)}</option>)}</Choice>;
}

/** `#/staff/users`: people and their roles (admins change them) and qualifications (staff grant and withdraw). */
export function UsersPage({ ctx }: { ctx: AppContext }) {
  const admin = ctx.me?.role === 'admin';
  const state = useLoad(() => Promise.all([get<{ items: User[] }>('/api/v1/users'), get<OrgList>('/api/v1/orgs'), get<Qualifications>('/api/v1/qualifications')]));
  const submit = useSubmit();
  const create = (ev: Event) => {
    const form = ev.currentTarget as HTMLFormElement;
    const v = formValues(ev);
    void submit.run(async () => {
      await post('/api/v1/users', { email: v.email, name: v.name, role: v.role, orgId: v.orgId, password: v.password });
      form.reset();
      state.reload();
    });
  };
  return (
    <>
      <div class="page-head"><h1>{t('staff.users.title')}</h1></div>
      <Loaded state={state}>{([users, orgs, qualifications]) => (
        <>
          <table data-role="users">
            <thead><tr><th>{t('staff.users.email')}</th><th>{t('staff.users.name')}</th><th>{t('staff.users.org')}</th><th>{t('staff.users.role')}</th><th>{t('staff.users.disabled')}</th><th>{t('staff.users.qualifications')}</th></tr></thead>
            <tbody>{users.items.map((u) => <UserRow key={u.id} user={u} admin={admin} orgName={orgs.items.find((o) => o.id === u.orgId)?.name ?? u.orgId} qualifications={qualifications.items} onChange={state.reload} />)}</tbody>
          </table>
          {admin && (
            <form class="card staff-form" id="user-form" noValidate onSubmit={create}>
              <h2>{t('staff.users.create')}</h2>
              <FormError submit={submit} fields={['email', 'name', 'role', 'orgId', 'password']} />
              <Field label={t('staff.users.email')} name="email" submit={submit}><input name="email" type="email" /></Field>
              <Field label={t('staff.users.name')} name="name" submit={submit}><input name="name" /></Field>
              <Field label={t('staff.users.org')} name="orgId" submit={submit}>
                <select name="orgId">{orgs.items.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}</select>
              </Field>
              <Field label={t('staff.users.role')} name="role" submit={submit} hint={t('staff.users.roleHint')}><RoleSelect value="customer" /></Field>
              <Field label={t('staff.users.password')} name="password" submit={submit}><input name="password" type="password" autoComplete="new-password" /></Field>
              <button type="submit" class="primary" disabled={submit.busy}>{t('staff.users.create')}</button>
            </form>
          )}
        </>
      )}</Loaded>
    </>
  );
}

function UserRow({ user, admin, orgName, qualifications, onChange }: { user: User; admin: boolean; orgName: string; qualifications: Qualifications['items']; onChange: () => void }) {
  const submit = useSubmit();
  const form = `user-${user.id}`;
  const [ended, setEnded] = useState(false);
  const save = (ev: Event) => {
    const v = formValues(ev);
    // A password typed here replaces theirs and ends their sessions (the API does that); empty leaves it.
    void submit.run(async () => { await patch(`/api/v1/users/${encodeURIComponent(user.id)}`, { role: v.role, disabled: v.disabled === 'on', ...(v.password ? { password: v.password } : {}) }); onChange(); });
  };
  const revokeTokens = () => void submit.run(async () => { await post(`/api/v1/users/${encodeURIComponent(user.id)}/revoke-tokens`); setEnded(true); });
  return (
    <tr data-user={user.email}>
      <td>{user.email}</td><td>{user.name}</td><td>{orgName}</td>
      <td>{admin ? <><RoleSelect value={user.role} form={form} />{submit.fieldError('role') && <span class="field-error" data-field="role">{submit.fieldError('role')}</span>}</> : term('role', user.role)}</td>
      <td>{admin ? <input type="checkbox" name="disabled" form={form} defaultChecked={user.disabled} aria-label={t('staff.users.disabled')} /> : t(user.disabled ? 'common.yes' : 'common.no')}
        {admin && <form id={form} class="inline" noValidate onSubmit={save}>
          {submit.error && !submit.error.issues.length && <ErrorBox error={submit.error} />}
          <input type="password" name="password" autoComplete="new-password" placeholder={t('staff.users.newPassword')} aria-label={t('staff.users.newPassword')} size={12} />
          {submit.fieldError('password') && <span class="field-error" data-field="password">{submit.fieldError('password')}</span>}
          <button type="submit" data-action="save-user" disabled={submit.busy}>{t('staff.save')}</button>
          <button type="button" class="link" data-action="revoke-tokens" onClick={revokeTokens} disabled={submit.busy} title={t('staff.users.revokeTokensHint')}>{t('staff.users.revokeTokens')}</button>
          {ended && <span class="ok" data-role="tokens-revoked">{t('staff.users.tokensRevoked')}</span>}
        </form>}
      </td>
      <td><HeldQualifications userId={user.id} qualifications={qualifications} /></td>
    </tr>
  );
}

/** A user's qualifications with their expiry; staff grant (or renew) and withdraw them. */
function HeldQualifications({ userId, qualifications }: { userId: string; qualifications: Qualifications['items'] }) {
  const held = useLoad(() => get<z.infer<typeof HeldList>>(`/api/v1/users/${encodeURIComponent(userId)}/qualifications`), [userId]);
  const submit = useSubmit();
  const path = (q: string) => `/api/v1/users/${encodeURIComponent(userId)}/qualifications/${encodeURIComponent(q)}`;
  const grant = (ev: Event) => {
    const v = formValues(ev);
    if (v.qualificationId) void submit.run(async () => { await request('PUT', path(v.qualificationId!)); held.reload(); });
  };
  const withdraw = (q: string) => void submit.run(async () => { await request('DELETE', path(q)); held.reload(); });
  const name = (id: string) => qualifications.find((q) => q.id === id)?.name ?? id;
  return (
    <div data-role="qualifications">
      {submit.error && <ErrorBox error={submit.error} />}
      <Loaded state={held}>{(list) => <ul class="plain">{list.items.map((h) => (
        <li key={h.qualificationId} data-qualification={h.qualificationId} data-state={h.state}>
          {name(h.qualificationId)} · {t(`staff.qualifications.state.${h.state}`, { date: fmtDate(h.expiresAt) })}
          <button type="button" class="link" onClick={() => withdraw(h.qualificationId)}>{t('staff.qualifications.withdraw')}</button>
        </li>))}</ul>}
      </Loaded>
      {qualifications.length > 0 && (
        <form class="inline" noValidate onSubmit={grant}>
          <select name="qualificationId" aria-label={t('staff.qualifications.choose')}>{qualifications.map((q) => <option key={q.id} value={q.id}>{q.name}</option>)}</select>
          <button type="submit" data-action="grant" disabled={submit.busy}>{t('staff.qualifications.grant')}</button>
        </form>
      )}
    </div>
  );
}
