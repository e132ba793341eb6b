import { useState } from 'preact/hooks';
import { get, patch } from '../api.js';
import { t } from '../i18n.js';
import type { AppContext, EquipmentDetail, OrgList } from '../types.js';
import { MaintenanceWindows } from './maintenance.js';
import { changes, PROFILE_FIELDS, SECTIONS, type Draft, type EditorContext } from './profile-fields.js';
import { SpecLimits } from './spec-limits.js';
import { Field, FormError, Loaded, useLoad, useSubmit } from './ui.js';

interface Qualifications { items: { id: string; name: string; expiresAfterDays: number }[] }

/** `#/staff/equipment/{id}`: the equipment's profile, rules and conditions, its spec limits and maintenance windows. */
export function ProfilePage({ id, ctx }: { id: string; ctx: AppContext }) {
  const state = useLoad(() => Promise.all([
    get<EquipmentDetail>(`/api/v1/equipment/${encodeURIComponent(id)}`),
    get<OrgList>('/api/v1/orgs'),
    get<Qualifications>('/api/v1/qualifications'),
  ]), [id]);
  return (
    <Loaded state={state}>{([detail, orgs, qualifications]) => {
      const editorCtx: EditorContext = { equipmentId: id, parameters: detail.live.parameters, orgs: orgs.items, qualifications: qualifications.items };
      return (
        <>
          <div class="page-head">
            <h1>{t('staff.profile.title', { name: detail.profile.name })}</h1>
            <span class="muted">{detail.profile.id}</span>
            <a href={`#/equipment/${encodeURIComponent(id)}`}>{t('staff.profile.back')}</a>
          </div>
          <ProfileForm detail={detail} editorCtx={editorCtx} admin={ctx.me?.role === 'admin'} />
          <SpecLimits equipmentId={id} parameters={detail.live.parameters} />
          <MaintenanceWindows equipmentId={id} />
        </>
      );
    }}</Loaded>
  );
}

function ProfileForm({ detail, editorCtx, admin }: { detail: EquipmentDetail; editorCtx: EditorContext; admin: boolean }) {
  const [saved, setSaved] = useState<Draft>(detail.profile as unknown as Draft);
  const [draft, setDraft] = useState<Draft>(saved);
  const [done, setDone] = useState(false);
  const submit = useSubmit();
  const changed = changes(saved, draft);
  const save = (ev: Event) => {
    ev.preventDefault();
    setDone(false);
    void submit.run(async () => {
      const after = await patch<EquipmentDetail>(`/api/v1/equipment/${encodeURIComponent(detail.profile.id)}`, changed);
      const profile = after.profile as unknown as Draft;
      setSaved(profile);
      setDraft(profile);
      setDone(true);
    });
  };
  return (
    <form id="profile-form" class="card staff-form" noValidate onSubmit={save}>
      <FormError submit={submit} fields={PROFILE_FIELDS.map((f) => f.key)} />
      {!admin && <p class="muted" data-role="read-only">{t('staff.profile.adminOnly')}</p>}
      <fieldset disabled={!admin}>
        {SECTIONS.map((section) => (
          <section key={section} data-section={section}>
            <h2>{t(`staff.section.${section}`)}</h2>
            {PROFILE_FIELDS.filter((f) => f.section === section).map((f) => (
              <Field key={f.key} label={t(`staff.field.${f.key}`)} name={f.key} submit={submit} hint={f.hint ? t(`staff.hint.${f.key}`) : undefined}>
                <f.editor name={f.key} value={draft[f.key]} set={(v) => { setDone(false); setDraft((d) => ({ ...d, [f.key]: v })); }} ctx={editorCtx} />
              </Field>
            ))}
          </section>
        ))}
      </fieldset>
      {admin && (
        <div class="actions">
          <button type="submit" class="primary" disabled={submit.busy || !Object.keys(changed).length}>{t('staff.save')}</button>
          {done && <span class="ok" data-role="saved">{t('staff.saved')}</span>}
        </div>
      )}
    </form>
  );
}
