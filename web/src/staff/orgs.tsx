import type { z } from 'zod';
import type { Org } from '../../../api/routes/people/schemas.js';
import { get, patch, post } from '../api.js';
import { fmtTime, LANGUAGES, t, term } from '../i18n.js';
import type { AppContext, OrgList } from '../types.js';
import { Choice, Field, FormError, formValues, Loaded, useLoad, useSubmit } from './ui.js';

const isAdmin = (ctx: AppContext) => ctx.me?.role === 'admin';
const reportLanguage = (v: string | undefined) => (v ? v : null);

function LanguageSelect({ value, form }: { value: string | null; form?: string }) {
  return (
    <Choice name="reportLanguage" form={form} initial={value ?? ''} aria-label={t('staff.orgs.reportLanguage')}>
      <option value="">{t('staff.orgs.languageDefault')}</option>
      {LANGUAGES.map((l) => <option key={l} value={l} lang={l}>{t(`language.${l}`)}</option>)}
    </Choice>
  );
}

/** `#/staff/orgs`: organisations; admins create customer organisations, rename them and set their report language. */
export function OrgsPage({ ctx }: { ctx: AppContext }) {
  const state = useLoad(() => get<OrgList>('/api/v1/orgs'));
  const submit = useSubmit();
  const create = (ev: Event) => {
    const form = ev.currentTarget as HTMLFormElement;
    const v = formValues(ev);
    void submit.run(async () => {
      await post('/api/v1/orgs', { id: v.id, name: v.name, reportLanguage: reportLanguage(v.reportLanguage) });
      form.reset();
      state.reload();
    });
  };
  return (
    <>
      <div class="page-head"><h1>{t('staff.orgs.title')}</h1></div>
      <Loaded state={state}>{(list) => (
        <table data-role="orgs">
          <thead><tr><th>{t('staff.orgs.id')}</th><th>{t('staff.orgs.name')}</th><th>{t('staff.orgs.kind')}</th><th>{t('staff.orgs.reportLanguage')}</th><th>{t('staff.created')}</th></tr></thead>
          <tbody>{list.items.map((o) => <OrgRow key={o.id} org={o} admin={isAdmin(ctx)} onChange={state.reload} />)}</tbody>
        </table>
      )}</Loaded>
      {isAdmin(ctx) && (
        <form class="card staff-form" id="org-form" noValidate onSubmit={create}>
          <h2>{t('staff.orgs.create')}</h2>
          <FormError submit={submit} fields={['id', 'name', 'reportLanguage']} />
          <Field label={t('staff.orgs.id')} name="id" submit={submit} hint={t('staff.orgs.idHint')}><input name="id" /></Field>
          <Field label={t('staff.orgs.name')} name="name" submit={submit}><input name="name" /></Field>
          <Field label={t('staff.orgs.reportLanguage')} name="reportLanguage" submit={submit}><LanguageSelect value={null} /></Field>
          <button type="submit" class="primary" disabled={submit.busy}>{t('staff.orgs.create')}</button>
        </form>
      )}
    </>
  );
}

function OrgRow({ org, admin, onChange }: { org: z.infer<typeof Org>; admin: boolean; onChange: () => void }) {
  const submit = useSubmit();
  const save = (ev: Event) => {
    const v = formValues(ev);
    void submit.run(async () => { await patch(`/api/v1/orgs/${encodeURIComponent(org.id)}`, { name: v.name, reportLanguage: reportLanguage(v.reportLanguage) }); onChange(); });
  };
  const form = `org-${org.id}`;
  return (
    <tr data-org={org.id}>
      <td>{org.id}</td>
      <td>{admin ? <><input form={form} name="name" defaultValue={org.name} aria-label={t('staff.orgs.name')} />{submit.fieldError('name') && <span class="field-error" data-field="name">{submit.fieldError('name')}</span>}</> : org.name}</td>
      <td>{term('staff.orgKind', org.kind)}</td>
      <td>{admin ? <LanguageSelect value={org.reportLanguage} form={form} /> : org.reportLanguage ? t(`language.${org.reportLanguage}`) : t('staff.orgs.languageDefault')}</td>
      <td>{fmtTime(org.createdAt)}
        {admin && <form id={form} class="inline" noValidate onSubmit={save}>
          <FormError submit={submit} fields={['name']} />
          <button type="submit" disabled={submit.busy}>{t('staff.save')}</button>
        </form>}
      </td>
    </tr>
  );
}
